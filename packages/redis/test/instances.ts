import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

let bundled: Promise<string> | undefined;

/** The worker script bundled from source (no stale dist/), once per test file. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'authcore-redis-')), 'worker.cjs');
    await build({
      entryPoints: [here('./fixtures/worker.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      alias: {
        '@authcore/redis': here('../src/index.ts'),
        // The subpath first: esbuild would otherwise resolve it under the package's alias.
        '@authcore/core/adapter': here('../../core/src/adapter/index.ts'),
        '@authcore/core': here('../../core/src/index.ts'),
      },
    });
    return outfile;
  })();
  return bundled;
}

/** A separate Node.js process using the stores, as one API instance would. */
export interface Instance {
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const script = await bundle();
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  const started = new Promise<void>((resolve, reject) => {
    waiting.set(0, { resolve: () => resolve(), reject });
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const { id, result, error } = JSON.parse(line) as {
      id: number;
      result?: unknown;
      error?: string;
    };
    const w = waiting.get(id);
    waiting.delete(id);
    if (error !== undefined) w?.reject(new Error(error));
    else w?.resolve(result);
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`instance exited with ${code}`));
    waiting.clear();
  });
  await started;
  return {
    call<T>(op: string, args: Record<string, unknown> = {}) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.write(`${JSON.stringify({ id: next++, op: 'close', args: {} })}\n`);
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
