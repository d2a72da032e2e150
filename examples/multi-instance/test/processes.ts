import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));

export interface Started {
  url: string;
  child: ChildProcess;
  /** Everything the process printed. */
  output(): string;
}

/** Starts `dist/<script>` on a free port and resolves with its URL once it prints its ready line. */
export function start(script: string, env: Record<string, string>): Promise<Started> {
  if (!existsSync(`${dir}dist/${script}`))
    throw new Error(`examples/multi-instance/dist/${script} is missing: run \`pnpm build\` first`);
  const child = spawn(process.execPath, [`dist/${script}`], {
    cwd: dir,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready:\n${out}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve({ url: ready[1]!, child, output: () => out });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${out}`));
    });
  });
}

/** Stops a process (SIGTERM, then SIGKILL after 3 s, or at once with `crash`). */
export function stop(child: ChildProcess, crash = false): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(crash ? 'SIGKILL' : 'SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
  });
}
