import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface Running {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `node <example>/dist/server.js` on 127.0.0.1; resolves on its one ready line. */
export function startExample(
  name: 'issuer' | 'mcp',
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<Running> {
  const script = fileURLToPath(new URL(`../../${name}/dist/server.js`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script], {
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
  const line = new RegExp(
    `^authcore ${name} example listening on (http://127\\.0\\.0\\.1:\\d+)$`,
    'm',
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`examples/${name} not ready:\n${out}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = line.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve({ url: ready[1]!, output: () => out, stop });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`examples/${name} exited with ${code}:\n${out}`));
    });
  });
}

/** A port free on 127.0.0.1 now: the MCP URL must be known before the issuer starts. */
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
