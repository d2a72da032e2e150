import type { AuthFailureReason, JwtOptions } from '@authcore/core';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  INVALID_REQUEST,
  INVALID_TOKEN,
  type JsonServer,
  jwtAuthenticator,
  makeKey,
  NOW_S,
  rendered,
  sign,
  signRaw,
  startJsonServer,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';

let rsa: TestKey;
let attacker: TestKey;
let server: JsonServer;
beforeAll(async () => {
  rsa = (await testKeys()).RS256;
  attacker = await makeKey('RS256', 'attacker');
  server = await startJsonServer();
  server.json('/attacker-jwks', { keys: [attacker.jwk] });
});
afterAll(() => server.close());

const b64u = (s: string | Uint8Array) =>
  Buffer.from(typeof s === 'string' ? Buffer.from(s) : s).toString('base64url');
const INVALID = { ...INVALID_TOKEN, code: 'invalid_token' };
const BAD_REQUEST = { ...INVALID_REQUEST, code: 'invalid_request' };

async function refused(
  token: string,
  overrides: Partial<JwtOptions> = {},
  reason?: AuthFailureReason,
) {
  const auth = jwtAuthenticator({ keys: rsa.jwk, algorithms: ['RS256'], ...overrides });
  const pending = auth.authenticate(bearer(token));
  await expect(pending).resolves.toBeDefined();
  const result = await pending;
  return rendered(auth, result, reason);
}

describe('algorithm confusion', () => {
  const hs256 = (secret: Uint8Array, header: Record<string, unknown> = {}) =>
    new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: rsa.kid, ...header })
      .sign(secret);

  it('HS256 signed with the public key as PEM bytes', async () => {
    const token = await hs256(new TextEncoder().encode(rsa.pem));
    expect(await refused(token, {}, 'alg_not_allowed')).toEqual(INVALID);
    expect(await refused(token, { keys: rsa.pem }, 'alg_not_allowed')).toEqual(INVALID);
    expect(
      await refused(token, { keys: rsa.pem, algorithms: ['RS256', 'PS256'] }, 'alg_not_allowed'),
    ).toEqual(INVALID);
  });

  it('HS256 signed with the public key as JWK JSON bytes', async () => {
    for (const jwk of [rsa.jwk, { ...rsa.jwk, alg: undefined }]) {
      const token = await hs256(new TextEncoder().encode(JSON.stringify(jwk)));
      expect(await refused(token, { keys: jwk }, 'alg_not_allowed')).toEqual(INVALID);
    }
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s', async (alg) => {
    const header = b64u(JSON.stringify({ alg, typ: 'at+jwt', kid: rsa.kid }));
    const payload = b64u(JSON.stringify(userClaims()));
    expect(await refused(`${header}.${payload}.`, {}, 'token_not_canonical')).toEqual(INVALID);
    expect(await refused(`${header}.${payload}`, {}, 'no_scheme')).toEqual(INVALID);
  });

  it('a JWK without alg verifies only the algorithms of its key type, from the allowlist', async () => {
    const ps = (await testKeys()).PS256;
    const { alg: _alg, ...noAlg } = ps.jwk;
    const options = { keys: noAlg, algorithms: ['RS256', 'ES256'] } as Partial<JwtOptions>;
    // RS256 by the same RSA key: allowed.
    const rs = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: ps.kid })
      .sign(await importJWK({ ...(await exportJWK(ps.privateKey)), alg: 'RS256' }, 'RS256'));
    expect((await jwtAuthenticator(options).authenticate(bearer(rs))).ok).toBe(true);
    // A PS256 signature by the same key: PS256 is not in the allowlist.
    expect(await refused(await sign(ps), options, 'alg_not_allowed')).toEqual(INVALID);
    // ES256 is allowed but an RSA key never verifies it.
    const es = await makeKey('ES256', ps.kid);
    expect(await refused(await sign(es), options, 'unknown_kid')).toEqual(INVALID);
    const hs = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: ps.kid })
      .sign(new TextEncoder().encode(JSON.stringify(noAlg)));
    expect(await refused(hs, options, 'alg_not_allowed')).toEqual(INVALID);
  });
});

describe('keys named by the token are never trusted', () => {
  it('an embedded jwk header', async () => {
    for (const kid of ['attacker', rsa.kid, undefined]) {
      const token = await sign(attacker, userClaims(), { header: { jwk: attacker.jwk, kid } });
      expect(await refused(token)).toEqual(INVALID);
    }
  });

  it('jku and x5u pointing at an attacker server are not fetched', async () => {
    const jku = `${server.origin}/attacker-jwks`;
    for (const header of [{ jku }, { x5u: jku }, { jku, kid: rsa.kid }]) {
      const token = await sign(attacker, userClaims(), { header });
      expect(await refused(token)).toEqual(INVALID);
    }
    expect(server.hitsOf('/attacker-jwks')).toBe(0);
  });

  it('an x5c chain', async () => {
    const der = Buffer.from(JSON.stringify(attacker.jwk)).toString('base64');
    const token = await sign(attacker, userClaims(), { header: { x5c: [der] } });
    expect(await refused(token, {}, 'unknown_kid')).toEqual(INVALID);
  });
});

describe('malformed tokens are values, never throws', () => {
  const either = [INVALID, BAD_REQUEST];

  it('wrong segment count', async () => {
    const token = await sign(rsa);
    const [h, p, s] = token.split('.');
    for (const t of [
      `${h}`,
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      '...',
    ]) {
      expect(either).toContainEqual(await refused(t, {}, 'no_scheme'));
    }
  });

  it('loose base64url: padding, "+" and "/"', async () => {
    const token = await sign(rsa);
    const [h, p, s] = token.split('.') as [string, string, string];
    const padded = (x: string) => x + '='.repeat((4 - (x.length % 4)) % 4 || 0);
    const std = (x: string) => x.replace(/-/g, '+').replace(/_/g, '/');
    expect(s.length % 4).not.toBe(0); // so padding really adds characters
    const variants = [
      `${h}.${p}.${padded(s)}`,
      `${h}.${p}.${s}=`,
      `${h}.${p}.${s}==`,
      `${padded(h)}.${p}.${s}`,
      `${h}.${p}.${std(s)}`,
      `${std(h)}.${std(p)}.${std(s)}`,
    ].filter((t) => t !== token);
    expect(variants.length).toBeGreaterThan(3);
    for (const t of variants) expect(either).toContainEqual(await refused(t));
  });

  it.each([
    ['an array', '[1,2]'],
    ['a string', '"sub"'],
    ['a number', '42'],
    ['null', 'null'],
    ['not JSON', '{"sub":'],
    ['empty', ''],
  ])('a payload that is %s', async (_name, json) => {
    expect(await refused(await signRaw(rsa, json))).toEqual(INVALID);
  });

  it('a header that is not a JSON object', async () => {
    const p = b64u(JSON.stringify(userClaims()));
    for (const h of ['[]', 'null', '"RS256"', '{']) {
      expect(either).toContainEqual(
        await refused(`${b64u(h)}.${p}.${b64u('sig')}`, {}, 'token_malformed'),
      );
    }
  });

  it('__proto__ and constructor keys grant nothing', async () => {
    const json = `{"iss":"https://issuer.example","aud":"https://api.example","sub":"u","exp":${NOW_S + 600},"__proto__":{"scope":"admin","sub":"admin","client_id":"admin"},"constructor":{"prototype":{"scope":"admin"}},"scp":{"__proto__":["admin"]}}`;
    const auth = jwtAuthenticator({ keys: rsa.jwk, algorithms: ['RS256'] });
    const result = await auth.authenticate(bearer(await signRaw(rsa, json)));
    if (!result.ok) throw result.error;
    expect(result.principal.id).toBe('u');
    expect(result.principal.scopes.size).toBe(0);
    expect(result.principal.clientId).toBeUndefined();
    expect(result.principal.kind).toBe('user');
    expect(auth.authorize(result.principal, { scopes: 'admin' }).ok).toBe(false);
    expect(({} as Record<string, unknown>).scope).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('scope');
  });

  it('a JWE (5 segments) where a JWS is expected', async () => {
    const jwe = ['eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ', 'a', 'b', 'c', 'd'].join('.');
    expect(await refused(jwe, {}, 'no_scheme')).toEqual(INVALID);
  });

  it('a token over maxTokenLength', async () => {
    const big = await sign(rsa, userClaims({ pad: 'x'.repeat(9000) }));
    expect(big.length).toBeGreaterThan(8192);
    expect(await refused(big, {}, 'token_too_long')).toEqual(INVALID);
    expect(await refused(await sign(rsa), { maxTokenLength: 100 }, 'token_too_long')).toEqual(
      INVALID,
    );
    const huge = `${'a'.repeat(1_000_000)}.b.c`;
    expect(await refused(huge, {}, 'token_too_long')).toEqual(INVALID);
  });

  it('a key of the right type but another curve or size', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'p384' };
    const token = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'p384' })
      .sign((await generateKeyPair('ES256')).privateKey);
    expect(await refused(token, { keys: jwk, algorithms: ['ES256'] }, 'unknown_kid')).toEqual(
      INVALID,
    );
    void privateKey;
  });
});
