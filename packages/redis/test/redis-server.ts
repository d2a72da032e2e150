import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A redis-server of the test's own, on a free loopback port, with no persistence. */
export interface TestRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: as a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

const NOT_INSTALLED =
  'redis-server is not installed: install it (Debian/Ubuntu: apt-get install redis-server) ' +
  'or set AUTHCORE_REDIS_URL to a Redis the tests may write to. The @authcore/redis tests ' +
  'never mock Redis.';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Starts a redis-server of its own; fails (never skips) when none is installed. */
export async function spawnRedis(): Promise<TestRedis> {
  if (!redisServerInstalled()) throw new Error(NOT_INSTALLED);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    children.add(proc);
    proc.once('exit', () => children.delete(proc));
    child = proc;
    await waitForPing(port);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

let shared: Promise<{ url: string; stop: () => Promise<void> }> | undefined;

/**
 * The Redis the tests share: AUTHCORE_REDIS_URL (set by .ci/run), else a redis-server started
 * here for this test file. Every test uses a prefix of its own.
 */
export function sharedRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  shared ??= process.env.AUTHCORE_REDIS_URL
    ? Promise.resolve({ url: process.env.AUTHCORE_REDIS_URL, stop: async () => {} })
    : spawnRedis();
  return shared;
}

let counter = 0;
/** A key prefix no other test uses. */
export const uniquePrefix = (name: string) =>
  `test:${name}:${process.pid}:${Date.now().toString(36)}:${++counter}:`;
