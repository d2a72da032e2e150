import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The root test command builds every package first, so dist/server.js exists.
const server = fileURLToPath(new URL('../dist/server.js', import.meta.url));

export interface Running {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `node dist/server.js` on a free port; resolves on its one ready line. */
export function start(env: Record<string, string>): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, [server], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`not ready:\n${out}`));
    }, 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /^authcore issuer example listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
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
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}
