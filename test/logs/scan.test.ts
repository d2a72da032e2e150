import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateApiKey } from '@authcore/core';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { findSecrets } from './patterns.js';

const kinds = (line: string) => [...new Set(findSecrets(line).map((f) => f.kind))];

describe('the log scan finds', () => {
  it('tokens, API keys, private keys and issued secrets', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const { key } = await generateApiKey({ prefix: 'sk_test', owner: 'acme' });
    const jwk = JSON.stringify(await exportJWK(privateKey));
    expect(kinds(`refused Bearer ${token}`)).toEqual(['JWT']);
    expect(kinds(JSON.stringify({ fields: { key } }))).toEqual(['API key']);
    expect(kinds(await exportPKCS8(privateKey))).toEqual(['PEM']);
    expect(kinds(jwk)).toEqual(['private JWK member']);
    const secret = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';
    expect(kinds(`{"client_secret":"${secret}"}`)).toEqual(['secret field']);
    expect(kinds(`grant_type=refresh_token&refresh_token=${secret}`)).toEqual(['secret field']);
    expect(kinds(`GET /cb?code=${secret}&state=x`)).toEqual(['secret field']);
  });

  it('nothing in what authcore logs', () => {
    const lines = [
      '{"level":"debug","fields":{"reason":"token_expired","code":"invalid_token","status":401,"scheme":"jwt"},"message":"authcore: request refused"}',
      '{"level":"warn","fields":{"error":"Error: JWKS fetch failed: 503","kind":"jwks_fetch"},"message":"authcore: a JWKS fetch failed"}',
      // A public JWK and a key's public id are no secret; a checksum-less look-alike is no key.
      '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","kid":"k-1"}',
      'key sk_live_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB was refused',
      '{"code":"invalid_token","error":"invalid_client"}',
      '{"fields":{"reason":"key_source_unavailable","code":"temporarily_unavailable"}}',
    ];
    for (const line of lines) expect(kinds(line), line).toEqual([]);
  });
});

// The whole mechanism, end to end: a run whose only test logs a token exits 1.
const run = promisify(execFile);
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const config = fileURLToPath(new URL('./fixture/vitest.config.ts', import.meta.url));
async function nestedRun(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [vitest, 'run', '--config', config], {
      env: { ...process.env, ...env, CI: '1', NO_COLOR: '1' },
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('a whole run', () => {
  it('passes when no line holds a secret', async () => {
    const { code, output } = await nestedRun({ AUTHCORE_LOG_FIXTURE: 'clean.fixture.ts' });
    expect(output).toMatch(/log scan: 2 log lines from 1 workers, no secret/);
    expect(code).toBe(0);
  });

  it.each(['logger', 'console'])('fails when a test %s line holds a token', async (via) => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const { code, output } = await nestedRun({
      AUTHCORE_LOG_FIXTURE: 'leak.fixture.ts',
      LEAKED_TOKEN: token,
      LEAK_VIA: via,
    });
    expect(output).toMatch(/log scan: 1 of 1 captured log lines hold a secret/);
    expect(output).toContain(`${via === 'console' ? 'console.error' : 'logger'}: JWT`);
    // The report names the leak without repeating it (vitest's own echo of the console does).
    expect(output.slice(output.indexOf('log scan:'))).not.toContain(token);
    expect(code).toBe(1);
  });
});
