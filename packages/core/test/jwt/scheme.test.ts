import { type AuthFailureReason, createAuthenticator, type JwtOptions, jwt } from '@authcore/core';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AUDIENCE,
  bearer,
  clock,
  INVALID_TOKEN,
  ISSUER,
  jwtAuthenticator,
  jwtOptions,
  makeKey,
  NOW,
  NOW_S,
  rendered,
  type SignOptions,
  sign,
  signRaw,
  type TestAlg,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';

let keys: Record<TestAlg, TestKey>;
let key: TestKey;
beforeAll(async () => {
  keys = await testKeys();
  key = keys.ES256;
});

const INVALID = { ...INVALID_TOKEN, code: 'invalid_token' };

/** Authenticates a token and asserts the one invalid_token response, whatever failed. */
async function expectInvalid(
  token: string,
  overrides: Partial<JwtOptions> = {},
  reason?: AuthFailureReason,
) {
  const auth = jwtAuthenticator({ keys: key.jwk, ...overrides });
  const pending = auth.authenticate(bearer(token));
  await expect(pending).resolves.toBeDefined();
  expect(rendered(auth, await pending, reason)).toEqual(INVALID);
}

async function expectValid(token: string, overrides: Partial<JwtOptions> = {}) {
  const auth = jwtAuthenticator({ keys: key.jwk, ...overrides });
  const result = await auth.authenticate(bearer(token));
  if (!result.ok) throw new Error(`expected a principal: ${String(result.error.cause)}`);
  return result.principal;
}

const signed = (claims: Record<string, unknown>, options?: SignOptions) =>
  sign(key, userClaims(claims), options);

describe('valid tokens', () => {
  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'] as const)('%s', async (alg) => {
    const k = keys[alg];
    const auth = jwtAuthenticator({ keys: k.jwk });
    const result = await auth.authenticate(bearer(await sign(k)));
    expect(result.ok).toBe(true);
  });

  it('from a JWKS with every key, a PEM, or a CryptoKey', async () => {
    const all = { keys: Object.values(keys).map((k) => k.jwk) };
    for (const k of Object.values(keys)) {
      const token = await sign(k);
      expect((await jwtAuthenticator({ keys: all }).authenticate(bearer(token))).ok).toBe(true);
      expect(
        (await jwtAuthenticator({ keys: k.pem, algorithms: [k.alg] }).authenticate(bearer(token)))
          .ok,
      ).toBe(true);
      expect((await jwtAuthenticator({ keys: k.publicKey }).authenticate(bearer(token))).ok).toBe(
        true,
      );
    }
  });

  it('HS256 with a secret configured on purpose', async () => {
    const secret = 'a-very-long-secret-of-at-least-32-bytes!';
    const { SignJWT } = await import('jose');
    const token = await new SignJWT(userClaims())
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(secret));
    const auth = createAuthenticator({
      schemes: [
        jwt({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], secret, now: () => NOW }),
      ],
    });
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });
});

describe('principal', () => {
  it('a user token', async () => {
    const p = await expectValid(
      await signed({
        aud: [AUDIENCE, 'https://other.example'],
        acr: 'urn:mace:incommon:iap:silver',
        auth_time: NOW_S - 100,
      }),
    );
    expect(p).toMatchObject({
      scheme: 'jwt',
      kind: 'user',
      id: 'user-1',
      clientId: 'web-app',
      issuer: ISSUER,
      audience: [AUDIENCE, 'https://other.example'],
      acr: 'urn:mace:incommon:iap:silver',
    });
    expect([...p.scopes]).toEqual(['read:items', 'write:items']);
    expect(p.expiresAt).toEqual(new Date((NOW_S + 600) * 1000));
    expect(p.authTime).toEqual(new Date((NOW_S - 100) * 1000));
    expect(p.claims.sub).toBe('user-1');
  });

  it('scopes from an scp array, clientId from azp', async () => {
    const p = await expectValid(
      await signed({ scope: undefined, client_id: undefined, azp: 'spa', scp: ['a', 'b'] }),
    );
    expect([...p.scopes]).toEqual(['a', 'b']);
    expect(p.clientId).toBe('spa');
    expect(p.kind).toBe('user');
    expect(p.acr).toBeUndefined();
    expect(p.authTime).toBeUndefined();
  });

  it('client credentials: sub === client_id is a service', async () => {
    const p = await expectValid(await signed({ sub: 'svc', client_id: 'svc' }));
    expect(p).toMatchObject({ kind: 'service', id: 'svc', clientId: 'svc' });
  });

  it('client credentials: gty is a service', async () => {
    const p = await expectValid(await signed({ sub: 'x', gty: 'client-credentials' }));
    expect(p.kind).toBe('service');
  });

  it('client credentials: no sub is a service identified by its client_id', async () => {
    const p = await expectValid(await signed({ sub: undefined, client_id: 'svc' }));
    expect(p).toMatchObject({ kind: 'service', id: 'svc', clientId: 'svc' });
  });

  it('an empty sub is no sub: a service, not a user named after the client', async () => {
    const p = await expectValid(await signed({ sub: '', client_id: 'svc' }));
    expect(p).toMatchObject({ kind: 'service', id: 'svc' });
  });

  it('neither sub nor client_id is invalid', async () => {
    await expectInvalid(
      await signed({ sub: undefined, client_id: undefined }),
      {},
      'claim_missing',
    );
  });

  it('kind can be decided by the user', async () => {
    const p = await expectValid(await signed({}), { kind: () => 'service' });
    expect(p.kind).toBe('service');
  });
});

describe('every invalid_token looks the same from outside', () => {
  it('bad signature (same kid, other key)', async () => {
    const other = await makeKey('ES256', key.kid);
    await expectInvalid(await sign(other), {}, 'signature_invalid');
  });

  it('unknown kid', async () => {
    await expectInvalid(await signed({}, { header: { kid: 'nope' } }), {}, 'unknown_kid');
  });

  it('expired, nbf in the future, iat in the future', async () => {
    await expectInvalid(await signed({ exp: NOW_S - 60 }), {}, 'token_expired');
    await expectInvalid(await signed({ nbf: NOW_S + 60 }), {}, 'token_not_yet_valid');
    await expectInvalid(await signed({ iat: NOW_S + 60 }), {}, 'token_not_yet_valid');
  });

  it('wrong iss, wrong aud, aud array without ours', async () => {
    await expectInvalid(await signed({ iss: 'https://evil.example' }), {}, 'issuer_mismatch');
    await expectInvalid(await signed({ iss: `${ISSUER}/` }), {}, 'issuer_mismatch');
    await expectInvalid(await signed({ aud: 'https://other.example' }), {}, 'audience_mismatch');
    await expectInvalid(
      await signed({ aud: ['https://a.example', 'https://b.example'] }),
      {},
      'audience_mismatch',
    );
    await expectInvalid(await signed({ aud: undefined }), {}, 'claim_missing');
  });

  it('aud array containing ours is accepted; one of several configured audiences too', async () => {
    await expectValid(await signed({ aud: ['https://a.example', AUDIENCE] }));
    await expectValid(await signed({ aud: 'https://b.example' }), {
      audience: [AUDIENCE, 'https://b.example'],
    });
  });

  it('missing exp, exp as a string, exp 1e400', async () => {
    await expectInvalid(await signed({ exp: undefined }), {}, 'claim_missing');
    await expectInvalid(
      await signed({ exp: String(NOW_S + 600) as unknown as number }),
      {},
      'claim_invalid',
    );
    const payload = `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","iat":${NOW_S},"exp":1e400}`;
    expect(JSON.parse(payload).exp).toBe(Number.POSITIVE_INFINITY);
    await expectInvalid(await signRaw(key, payload), {}, 'claim_invalid');
    const nbf = `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","nbf":-1e400,"exp":${NOW_S + 60}}`;
    await expectInvalid(await signRaw(key, nbf), {}, 'claim_invalid');
    const iat = `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u","iat":-1e400,"exp":${NOW_S + 60}}`;
    await expectInvalid(await signRaw(key, iat), {}, 'claim_invalid');
  });

  it('typ: required at+jwt by default, missing or other refused, false turns it off', async () => {
    await expectInvalid(await signed({}, { header: { typ: undefined } }), {}, 'typ_mismatch');
    await expectInvalid(await signed({}, { header: { typ: 'JWT' } }), {}, 'typ_mismatch');
    await expectValid(await signed({}, { header: { typ: 'application/at+jwt' } }));
    await expectValid(await signed({}, { header: { typ: undefined } }), { typ: false });
    await expectValid(await signed({}, { header: { typ: 'JWT' } }), { typ: false });
    await expectValid(await signed({}, { header: { typ: 'JWT' } }), { typ: 'JWT' });
  });

  it('maxTokenAge refuses old tokens and makes iat required', async () => {
    await expectInvalid(await signed({ iat: NOW_S - 3600 }), { maxTokenAge: 300 }, 'token_too_old');
    await expectInvalid(await signed({ iat: undefined }), { maxTokenAge: 300 }, 'claim_missing');
    await expectValid(await signed({ iat: NOW_S - 60 }), { maxTokenAge: 300 });
  });

  it('clock tolerance: 5 s by default, configurable', async () => {
    await expectValid(await signed({ exp: NOW_S - 3 }));
    await expectInvalid(await signed({ exp: NOW_S - 3 }), { clockTolerance: 0 }, 'token_expired');
    await expectValid(await signed({ nbf: NOW_S + 3, iat: NOW_S + 3 }));
    await expectInvalid(
      await signed({ iat: NOW_S + 3 }),
      { clockTolerance: 0 },
      'token_not_yet_valid',
    );
    await expectValid(await signed({ exp: NOW_S - 60 }), { clockTolerance: 120 });
  });

  it('crit with an unknown parameter; accepted only when configured', async () => {
    const token = await signed(
      {},
      { header: { crit: ['urn:x'], 'urn:x': 1 }, crit: { 'urn:x': true } },
    );
    await expectInvalid(token, {}, 'crit_unsupported');
    await expectValid(token, { crit: { 'urn:x': true } });
  });

  it('requiredClaims', async () => {
    await expectInvalid(await signed({}), { requiredClaims: ['jti'] }, 'claim_missing');
    await expectValid(await signed({ jti: 'j1' }), { requiredClaims: ['jti'] });
  });

  it('a zod claims schema refusing', async () => {
    const claims = z.object({ sub: z.string(), tenant: z.string() });
    await expectInvalid(
      await signed({}),
      { claims } as Partial<JwtOptions>,
      'claims_schema_invalid',
    );
    const p = await expectValid(await signed({ tenant: 'acme' }), {
      claims,
    } as Partial<JwtOptions>);
    // zod strips unknown keys: the principal's claims are the schema's output.
    expect(p.claims).toEqual({ sub: 'user-1', tenant: 'acme' });
  });

  it('a valibot claims schema refusing', async () => {
    const claims = v.object({ tenant: v.picklist(['acme']) });
    await expectInvalid(
      await signed({ tenant: 'evil' }),
      { claims } as Partial<JwtOptions>,
      'claims_schema_invalid',
    );
    const p = await expectValid(await signed({ tenant: 'acme' }), {
      claims,
    } as Partial<JwtOptions>);
    expect(p.claims).toEqual({ tenant: 'acme' });
  });

  it('a revoked token', async () => {
    await expectInvalid(await signed({}), { isRevoked: () => true }, 'token_revoked');
    await expectInvalid(await signed({}), {
      isRevoked: () => {
        throw new Error('store down');
      },
    });
  });
});

describe('misconfiguration throws at construction', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE, keys: {} as never };
  const secret = 'a-very-long-secret-of-at-least-32-bytes!';
  it.each<[string, unknown]>([
    ['missing algorithms', { ...base }],
    ['empty algorithms', { ...base, algorithms: [] }],
    ["'none'", { ...base, algorithms: ['none'] }],
    ["'None'", { ...base, algorithms: ['RS256', 'None'] }],
    ['HS256 without a secret', { ...base, algorithms: ['HS256'] }],
    ['a secret with RS256', { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], secret }],
    [
      'a short secret',
      { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], secret: 'short' },
    ],
    ['two key sources', { ...base, algorithms: ['RS256'], jwksUri: 'https://issuer.example/jwks' }],
    [
      'jwksUri and discovery',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        jwksUri: 'https://issuer.example/jwks',
        discovery: true,
      },
    ],
    ['no key source', { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] }],
    ['no audience', { issuer: ISSUER, algorithms: ['RS256'], keys: {} }],
    ['empty audience', { issuer: ISSUER, audience: [], algorithms: ['RS256'], keys: {} }],
    ['no issuer', { audience: AUDIENCE, algorithms: ['RS256'], keys: {} }],
    ['an unknown algorithm', { ...base, algorithms: ['XS256'] }],
    ['a bad cache size', { ...base, algorithms: ['RS256'], cache: { maxEntries: 1.5 } }],
  ])('%s', (_name, options) => {
    expect(() => jwt(options as JwtOptions)).toThrow(TypeError);
  });
});

describe('verified-token cache', () => {
  it('a hit returns the same principal', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const token = await signed({});
    const a = await auth.authenticate(bearer(token));
    const b = await auth.authenticate(bearer(token));
    expect(a.ok && b.ok && a.principal === b.principal).toBe(true);
  });

  it('a hit is only the exact token: its signature on other content is verified, and refused', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const token = await signed({ scope: 'read:items' });
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    const [, , signature] = token.split('.');
    const [header, payload] = (await signed({ scope: 'admin' })).split('.');
    const forged = `${header}.${payload}.${signature}`;
    expect(rendered(auth, await auth.authenticate(bearer(forged)), 'signature_invalid')).toEqual(
      INVALID,
    );
    expect(rendered(auth, await auth.authenticate(bearer(forged)), 'signature_invalid')).toEqual(
      INVALID,
    );
    const again = await auth.authenticate(bearer(token));
    expect(again.ok && [...again.principal.scopes]).toEqual(['read:items']);
  });

  it('an entry never outlives exp', async () => {
    const c = clock();
    const auth = jwtAuthenticator({ keys: key.jwk, now: c.now, clockTolerance: 0 });
    const token = await signed({ exp: NOW_S + 10 });
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    c.t = NOW + 9_999;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    c.t = NOW + 10_000;
    expect(rendered(auth, await auth.authenticate(bearer(token)), 'token_expired')).toEqual(
      INVALID,
    );
  });

  it('an entry never outlives maxTokenAge', async () => {
    const c = clock();
    const auth = jwtAuthenticator({
      keys: key.jwk,
      now: c.now,
      maxTokenAge: 60,
      clockTolerance: 0,
    });
    const token = await signed({ iat: NOW_S });
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    c.t = NOW + 61_000;
    expect(rendered(auth, await auth.authenticate(bearer(token)), 'token_too_old')).toEqual(
      INVALID,
    );
  });

  it('isRevoked runs on every hit', async () => {
    let calls = 0;
    let revoked = false;
    const auth = jwtAuthenticator({
      keys: key.jwk,
      isRevoked: (p) => {
        calls++;
        expect(p.id).toBe('user-1');
        return revoked;
      },
    });
    const token = await signed({});
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(calls).toBe(2);
    revoked = true;
    expect(rendered(auth, await auth.authenticate(bearer(token)), 'token_revoked')).toEqual(
      INVALID,
    );
    expect(calls).toBe(3);
  });

  it('is bounded: the oldest entry is evicted, a hit does not make it younger', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk, cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all([
      signed({ jti: 'a' }),
      signed({ jti: 'b' }),
      signed({ jti: 'c' }),
    ]);
    const principal = async (t: string) => {
      const r = await auth.authenticate(bearer(t));
      if (!r.ok) throw r.error;
      return r.principal;
    };
    const pa = await principal(a);
    const pb = await principal(b);
    expect(await principal(a)).toBe(pa); // a hit: a is still the oldest
    await principal(c); // evicts a
    expect(await principal(b)).toBe(pb);
    expect(await principal(a)).not.toBe(pa);
  });

  it('cache: false verifies every time', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk, cache: false });
    const token = await signed({});
    const a = await auth.authenticate(bearer(token));
    const b = await auth.authenticate(bearer(token));
    expect(a.ok && b.ok).toBe(true);
    expect(a.ok && b.ok && a.principal === b.principal).toBe(false);
  });
});

void jwtOptions;

describe('key selection, remembered per (alg, kid)', () => {
  type Auth = ReturnType<typeof jwtAuthenticator>;
  const ok = async (auth: Auth, token: string) => (await auth.authenticate(bearer(token))).ok;
  // Every refusal is the one invalid_token answer: 401, code, challenge and body.
  const refused = async (auth: Auth, token: string) =>
    expect(rendered(auth, await auth.authenticate(bearer(token)))).toEqual(INVALID);

  it('keeps refusing what jose refuses once a key was chosen', async () => {
    const a = await makeKey('ES256', '5');
    const b = await makeKey('ES256', 'b');
    const auth = jwtAuthenticator({ keys: { keys: [a.jwk, b.jwk] }, cache: false });
    const numericKid = await sign(a, userClaims(), { header: { kid: 5 } });
    await refused(auth, numericKid);
    for (let i = 0; i < 3; i++) {
      expect(await ok(auth, await sign(a))).toBe(true);
      expect(await ok(auth, await sign(b))).toBe(true);
      // Same kid, other key; a kid that is not a string; a kid nobody has; no kid with two keys.
      await refused(auth, await sign(await makeKey('ES256', '5')));
      await refused(auth, numericKid);
      await refused(auth, await sign(a, userClaims(), { header: { kid: 'nope' } }));
      await refused(auth, await sign(a, userClaims(), { header: { kid: undefined } }));
    }
  });

  it('a key without kid answers any number of kids, within a bounded memo', async () => {
    const k = await makeKey('EdDSA');
    const auth = jwtAuthenticator({ keys: k.pem, algorithms: ['EdDSA'], cache: false });
    for (let i = 0; i < 70; i++) {
      expect(await ok(auth, await sign(k, userClaims(), { header: { kid: `k${i}` } }))).toBe(true);
    }
    await refused(auth, await sign(await makeKey('EdDSA', 'k3')));
  });
});
