import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface RunningExample {
  /** `http://127.0.0.1:<port>` from the ready line. */
  url: string;
  /** Everything printed so far. */
  output: () => string;
  /** The token the embedded issuer printed, if any. */
  token: string | undefined;
  stop(): Promise<void>;
}

export interface StartExampleOptions {
  /** Default 15 s. */
  timeoutMs?: number;
  /**
   * The example's name in its one ready line, `authcore <name> example listening on <url>`:
   * then that line alone is waited for (examples/issuer, examples/mcp). Without it, any
   * `listening on <url>` and, with the embedded test issuer, the token line after it.
   */
  name?: string;
}

/**
 * Starts an example as a real process (`node dist/server.js` in its folder) on a free port and
 * resolves once its ready line is printed. Used by every example's test.
 */
export function startExample(
  dir: string,
  env: Record<string, string> = {},
  { timeoutMs = 15_000, name }: StartExampleOptions = {},
): Promise<RunningExample> {
  const readyLine = name
    ? new RegExp(`^authcore ${name} example listening on (http://127\\.0\\.0\\.1:\\d+)$`, 'm')
    : /listening on (http:\/\/127\.0\.0\.1:\d+)/;
  const child: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
    cwd: dir,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`example in ${dir} not ready after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    let settled = false;
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (settled) return;
      const ready = readyLine.exec(out);
      if (!ready) return;
      // With the embedded issuer, a token line follows the ready line: wait for it too.
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(out)?.[1];
      if (!token && !env.AUTHCORE_JWKS_URI && !name) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url: ready[1]!, output: () => out, token, stop });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`example in ${dir} exited with ${code}:\n${out}`));
    });
  });
}

/** A port free on 127.0.0.1 now (for a URL that must be known before a process starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
