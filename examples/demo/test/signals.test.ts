import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The built demo, as `pnpm demo` runs it (`exec node examples/demo/dist/main.js`).
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const src = fileURLToPath(new URL('../src/', import.meta.url));
const READY = 'Ctrl-C stops everything.';

beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`pnpm build\` first`);
  const built = statSync(main).mtimeMs;
  const stale = readdirSync(src).filter((name) => statSync(`${src}${name}`).mtimeMs > built);
  if (stale.length > 0)
    throw new Error(`examples/demo/dist is older than src/${stale[0]}: run \`pnpm build\` first`);
});

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

async function startBuiltDemo(): Promise<{ output: () => string; web: string }> {
  child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      DEMO_ISSUER_PORT: '0',
      DEMO_API_PORT: '0',
      DEMO_WEB_PORT: '0',
      DEMO_SKIP_WALKTHROUGH: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  await expect.poll(() => output, { timeout: 15_000 }).toContain(READY);
  const web = /Web {6}(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
  return { output: () => output, web };
}

const exited = (demoProcess: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    demoProcess.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('the built demo (node examples/demo/dist/main.js)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal} closes its servers and exits 0 (so pnpm reports no ELIFECYCLE)`, async () => {
      const { output, web } = await startBuiltDemo();
      expect((await fetch(web)).status).toBe(200);
      const exit = exited(child!);
      child!.kill(signal);
      expect(await exit).toEqual({ code: 0, signal: null });
      expect(output()).toMatch(/Stopping the demo servers\.\n$/);
      await expect(fetch(web)).rejects.toThrow();
    }, 30_000);
  }

  it('on SIGINT twice at once (the terminal and pnpm both send one) still exits 0', async () => {
    await startBuiltDemo();
    const exit = exited(child!);
    child!.kill('SIGINT');
    child!.kill('SIGINT');
    expect(await exit).toEqual({ code: 0, signal: null });
  }, 30_000);
});
