import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type ApiKeyRecord,
  apiKey,
  createAuthenticator,
  MemoryApiKeyStore,
  parseApiKey,
} from '@authcore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHeaders } from './helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const core = join(root, 'packages/core');
const script = join(root, 'scripts/authcore-keys.mjs');
let outDir: string;

// A fresh ESM build of the core from src (tsup without type declarations, about a second), in a
// folder of its own so the shared dist/ is left alone; the script is pointed at it.
beforeAll(async () => {
  await mkdtemp(join(core, 'node_modules', '.authcore-keys-test-')).then((d) => (outDir = d));
  await run(
    'npx',
    ['tsup', 'src/index.ts', '--no-config', '--format', 'esm', '--out-dir', outDir],
    { cwd: core },
  );
}, 60_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  run(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...process.env, AUTHCORE_CORE_MODULE: join(outDir, 'index.js') },
  });

describe('scripts/authcore-keys.mjs', () => {
  it('creates a key and its record, which then verifies', async () => {
    const { stdout } = await cli(
      'create',
      '--prefix',
      'sk_live',
      '--scopes',
      'orders:read orders:write',
      '--owner',
      'acme',
    );
    const newline = stdout.indexOf('\n');
    const key = stdout.slice(0, newline);
    const record = JSON.parse(stdout.slice(newline + 1)) as ApiKeyRecord;
    expect(parseApiKey(key)).toMatchObject({ prefix: 'sk_live', id: record.id });
    expect(record).toMatchObject({ owner: 'acme', scopes: ['orders:read', 'orders:write'] });
    expect(stdout.split(key).length).toBe(2); // the key is printed once, not inside the record

    const auth = createAuthenticator({
      schemes: [apiKey({ store: new MemoryApiKeyStore([record]) })],
    });
    const result = await auth.authenticate(withHeaders({ 'x-api-key': key }), {
      require: { scopes: 'orders:write' },
    });
    expect(result.ok).toBe(true);
  });

  it('builds the record of an existing key, and checks keys', async () => {
    const { stdout } = await cli('create', '--owner', 'a', '--json');
    const { key } = JSON.parse(stdout) as { key: string };
    const seeded = JSON.parse(
      (await cli('record', key, '--owner', 'demo', '--expires', '1d', '--json')).stdout,
    ) as { record: ApiKeyRecord };
    expect(seeded.record).toMatchObject({ id: parseApiKey(key)!.id, owner: 'demo' });
    expect(seeded.record.expiresAt! - seeded.record.createdAt).toBe(86_400_000);
    expect((await cli('check', key)).stdout).toMatch(/^valid: prefix sk, id /);
    await expect(cli('check', `${key}x`)).rejects.toMatchObject({ code: 1 });
    await expect(cli('create', '--prefix', 'sk_live')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--owner is required'),
    });
  });
});
