import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A Redis Cluster of the test's own: three masters, three replicas, on loopback. */
export interface TestCluster {
  /** `127.0.0.1:p1,127.0.0.1:p2,…` as AUTHCORE_REDIS_CLUSTER_NODES. */
  nodes: string;
  ports: number[];
  /** Kills one node (SIGKILL: as a crash). */
  kill(port: number): Promise<void>;
  /** Freezes one node (SIGSTOP: unreachable, connections hang) or thaws it (SIGCONT). */
  pause(port: number): void;
  resume(port: number): void;
  /** Shuts every node down (SIGTERM: each writes its append-only file and nodes.conf). */
  down(): Promise<void>;
  /** Starts every node that is not running, on its port and files, and waits for cluster_state:ok. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

/** A port free with its cluster bus port (+10000). */
async function freeClusterPort(taken: number[]): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if (!taken.includes(port) && (await free(port)) && (await free(port + 10_000))) return port;
  }
}

/** cluster_state:ok, and a replica has synced with its master (else it could not take over). */
async function clusterOk(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null });
  client.on('error', () => {});
  try {
    const replication = await client.info('replication');
    return (
      /^cluster_state:ok/m.test(await client.cluster('INFO')) &&
      (/^role:master/m.test(replication) || /^master_link_status:up/m.test(replication))
    );
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts six cluster-enabled redis-servers and joins them with
 * `redis-cli --cluster create … --cluster-replicas 1`, as .ci/redis-cluster.sh does; fails
 * (never skips) when redis-server is not installed. No persistence unless `persistence`: then
 * each node keeps an append-only file (`appendfsync everysec`), so that `down()` then `up()`
 * is a full restart that keeps the data.
 */
export async function spawnCluster(
  nodeTimeoutMs = 2_000,
  options: { persistence?: boolean } = {},
): Promise<TestCluster> {
  if (!redisServerInstalled()) throw new Error(NOT_INSTALLED);
  const dir = mkdtempSync(join(tmpdir(), 'authcore-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freeClusterPort(ports));
  // Each node its own append-only directory (Redis 7): they share `dir`.
  const persistence = (port: number) =>
    options.persistence
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--appenddirname', `aof-${port}`]
      : ['--appendonly', 'no'];
  const launch = (port: number) => {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        '--save',
        '',
        ...persistence(port),
        '--dbfilename',
        `dump-${port}.rdb`,
        '--maxmemory',
        '64mb',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    children.add(proc);
    proc.once('exit', () => children.delete(proc));
    return proc;
  };
  const procs = ports.map(launch);
  const ended = (proc: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  const kill = (port: number) => ended(procs[ports.indexOf(port)]!, 'SIGKILL');
  const pause = (port: number) => void procs[ports.indexOf(port)]!.kill('SIGSTOP');
  const resume = (port: number) => void procs[ports.indexOf(port)]!.kill('SIGCONT');
  const allOk = async (timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (!(await Promise.all(ports.map(clusterOk))).every(Boolean)) {
      if (Date.now() > until) throw new Error('the test cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const down = async () => {
    await Promise.all(procs.map((proc) => ended(proc, 'SIGTERM')));
  };
  const up = async () => {
    procs.forEach((proc, i) => {
      if (proc.exitCode !== null || proc.signalCode !== null) procs[i] = launch(ports[i]!);
    });
    await Promise.all(ports.map((port) => waitForPing(port)));
    await allOk(30_000);
  };
  const stop = async () => {
    for (const proc of procs) proc.kill('SIGCONT');
    await Promise.all(procs.map((proc) => ended(proc, 'SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((port) => waitForPing(port)));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await allOk(15_000);
    return { nodes: addresses.join(','), ports, kill, pause, resume, down, up, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

let sharedClusterNodes: Promise<{ nodes: string; stop: () => Promise<void> }> | undefined;

/**
 * The Redis Cluster the tests share: AUTHCORE_REDIS_CLUSTER_NODES (set by .ci/run), else one
 * started here for this test file. Every test uses a prefix of its own.
 */
export function sharedCluster(): Promise<{ nodes: string; stop: () => Promise<void> }> {
  sharedClusterNodes ??= process.env.AUTHCORE_REDIS_CLUSTER_NODES
    ? Promise.resolve({ nodes: process.env.AUTHCORE_REDIS_CLUSTER_NODES, stop: async () => {} })
    : spawnCluster();
  return sharedClusterNodes;
}
