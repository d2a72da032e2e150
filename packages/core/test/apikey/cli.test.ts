// The `authcore-keys` bin's logic, in process against the core's source. The published bin itself
// (dist/bin/authcore-keys.js from a packed tarball) runs in scripts/pack-test.mjs.
import {
  type ApiKeyRecord,
  apiKey,
  createAuthenticator,
  MemoryApiKeyStore,
  parseApiKey,
} from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { runKeysCli } from '../../bin/cli.js';
import { withHeaders } from './helpers.js';

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runKeysCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe('authcore-keys', () => {
  it('creates a key and its record, which then verifies', async () => {
    const { code, stdout } = await cli(
      'create',
      '--prefix',
      'sk_live',
      '--scopes',
      'orders:read orders:write',
      '--owner',
      'acme',
    );
    expect(code).toBe(0);
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
    const { stdout } = await cli('create', '--owner', 'a', '--json', '--meta', 'team=ops');
    const { key, record } = JSON.parse(stdout) as { key: string; record: ApiKeyRecord };
    expect(record.metadata).toEqual({ team: 'ops' });
    const seeded = JSON.parse(
      (await cli('record', key, '--owner', 'demo', '--expires', '1d', '--json')).stdout,
    ) as { record: ApiKeyRecord };
    expect(seeded.record).toMatchObject({ id: parseApiKey(key)!.id, owner: 'demo' });
    expect(seeded.record.expiresAt! - seeded.record.createdAt).toBe(86_400_000);
    expect(await cli('check', key)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^valid: prefix sk, id /),
    });
    expect(await cli('check', `${key}x`)).toEqual({
      code: 1,
      stdout: 'invalid: malformed or checksum mismatch\n',
      stderr: '',
    });
  });

  it('answers usage mistakes with exit code 2 and a message', async () => {
    expect(await cli('create', '--prefix', 'sk_live')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'authcore-keys: --owner is required\n',
    });
    expect((await cli('record', 'sk_x', '--owner', 'a')).stderr).toBe(
      'authcore-keys: apiKeyRecord: not an API key\n',
    );
    expect((await cli('create', '--owner', 'a', '--expires', 'soon')).code).toBe(2);
    expect((await cli('create', '--owner', 'a', '--meta', 'novalue')).code).toBe(2);
    expect((await cli('frobnicate')).stderr).toMatch(/unknown command frobnicate\nusage:/);
    expect((await cli('--help')).stdout).toMatch(/^usage:\n {2}authcore-keys create/);
  });
});
