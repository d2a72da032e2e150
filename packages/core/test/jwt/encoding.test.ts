import { createAuthenticator, type JwtOptions, jwt, principalToJSON } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearer,
  INVALID_TOKEN,
  ISSUER,
  jwtOptions,
  NOW_S,
  nodeView,
  rendered,
  sign,
  signRaw,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';

let key: TestKey;
beforeAll(async () => {
  key = (await testKeys()).ES256;
});

const INVALID = { ...INVALID_TOKEN, code: 'invalid_token' };
const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// The same token from the Authorization header (found strict by extraction) and from the query
// (scanned by the scheme itself): both paths must refuse the same strings.
const authenticator = (overrides: Partial<JwtOptions> = {}) =>
  createAuthenticator({
    schemes: [jwt(jwtOptions({ keys: key.jwk, ...overrides }))],
    sources: { query: 'access_token' },
  });
const views = (token: string) => [
  bearer(token),
  nodeView(['Host', 'api.example'], `/resource?access_token=${token}`),
];

async function refusedEverywhere(token: string, overrides: Partial<JwtOptions> = {}) {
  const auth = authenticator(overrides);
  for (const view of views(token)) {
    expect(rendered(auth, await auth.authenticate(view))).toEqual(INVALID);
  }
}

/** Every other spelling of a segment's last character that decodes to the same bytes. */
function sameBytes(segment: string): string[] {
  const rest = segment.length % 4;
  if (rest === 0) return [];
  const spare = rest === 2 ? 0x0f : 0x03;
  const last = B64U.indexOf(segment.at(-1)!);
  const out: string[] = [];
  for (let bits = 1; bits <= spare; bits++) out.push(segment.slice(0, -1) + B64U[last ^ bits]);
  return out;
}

describe('one signed token, one string (canonical base64url)', () => {
  it('refuses every spelling with non-zero unused bits, in every segment', async () => {
    // Pad claims so that every segment has unused bits (a length that is not 0 mod 4).
    let token = '';
    for (let pad = 0; ; pad++) {
      token = await sign(key, userClaims({ pad: 'x'.repeat(pad) }), {
        header: { kid: `${key.kid}${'k'.repeat(pad % 3)}` },
      });
      if (token.split('.').every((s) => s.length % 4 !== 0)) break;
    }
    const [h, p, s] = token.split('.') as [string, string, string];
    const variants = [
      ...sameBytes(h).map((x) => `${x}.${p}.${s}`),
      ...sameBytes(p).map((x) => `${h}.${x}.${s}`),
      ...sameBytes(s).map((x) => `${h}.${p}.${x}`),
    ];
    // An ES256 signature is 86 characters: 15 other spellings of its last one alone.
    expect(sameBytes(s)).toHaveLength(15);
    for (const variant of variants) {
      // They really are the same bytes: a lenient decoder cannot tell them apart.
      expect(variant.split('.').map((x) => Buffer.from(x, 'base64url').toString('hex'))).toEqual(
        token.split('.').map((x) => Buffer.from(x, 'base64url').toString('hex')),
      );
    }
    const kid = JSON.parse(Buffer.from(h, 'base64url').toString()).kid as string;
    const options = { keys: { keys: [{ ...key.jwk, kid }] } } as Partial<JwtOptions>;
    const ok = authenticator(options);
    for (const view of views(token)) expect((await ok.authenticate(view)).ok).toBe(true);
    for (const variant of variants) await refusedEverywhere(variant, options);
  });

  it('refuses a segment whose length is 1 mod 4', async () => {
    const [h, p, s] = (await sign(key)).split('.') as [string, string, string];
    // 86 + 3 = 89 characters: 1 mod 4, which encodes no whole byte.
    await refusedEverywhere(`${h}.${p}.${s}AAA`);
    expect(`${s}AAA`.length % 4).toBe(1);
  });

  it('an ECDSA signature has a second valid spelling (n - s): revocation keyed on jti refuses both', async () => {
    const token = await sign(key, userClaims({ jti: 'token-1' }));
    const [h, p, s] = token.split('.') as [string, string, string];
    // P-256 group order: (r, s) and (r, n - s) are both valid signatures (RFC 7518 does not
    // require low-S, so authcore accepts both rather than refuse legitimate signers).
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const sig = Buffer.from(s, 'base64url');
    const high = n - BigInt(`0x${sig.subarray(32).toString('hex')}`);
    const flipped = Buffer.concat([
      sig.subarray(0, 32),
      Buffer.from(high.toString(16).padStart(64, '0'), 'hex'),
    ]);
    const variant = `${h}.${p}.${flipped.toString('base64url')}`;
    expect(variant).not.toBe(token);

    const revokedJtis = new Set<string>();
    const revokedStrings = new Set<string>();
    const auth = authenticator({
      isRevoked: (principal) => revokedJtis.has(principal.claims.jti!),
    });
    // Both spellings verify: the same token.
    for (const t of [token, variant]) {
      const result = await auth.authenticate(bearer(t));
      expect(result.ok && result.principal.claims.jti).toBe('token-1');
    }
    // A list keyed by the string would have missed the other spelling...
    revokedStrings.add(token);
    expect(revokedStrings.has(variant)).toBe(false);
    // ...one keyed on jti refuses both, cached or not.
    revokedJtis.add('token-1');
    for (const t of [token, variant, token, variant]) {
      expect(rendered(auth, await auth.authenticate(bearer(t)), 'token_revoked')).toEqual(INVALID);
    }
  });
});

describe('NumericDates a Date can hold (1970 to 9999)', () => {
  // JSON text as is: `1e400` and the like are not what JSON.stringify writes.
  const raw = (dates: Record<string, string>) => {
    const all = { iat: `${NOW_S}`, exp: `${NOW_S + 600}`, ...dates };
    const fields = Object.entries(all).map(([k, v]) => `"${k}":${v}`);
    return signRaw(key, `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"user-1",${fields}}`);
  };

  it.each([
    ['exp 1e300', { exp: '1e300' }],
    ['exp one second past 9999', { exp: '253402300800' }],
    ['exp 1e400 (Infinity)', { exp: '1e400' }],
    ['nbf negative', { nbf: '-1' }],
    ['iat negative', { iat: '-1' }],
    ['auth_time 1e300', { auth_time: '1e300' }],
    ['auth_time negative', { auth_time: '-60' }],
    ['auth_time a string', { auth_time: `"${NOW_S}"` }],
    ['auth_time null', { auth_time: 'null' }],
  ])('%s is invalid_token', async (_name, dates) => {
    await refusedEverywhere(await raw(dates));
  });

  it('the last second of 9999 is a valid exp, and its principal renders', async () => {
    const auth = authenticator();
    const result = await auth.authenticate(bearer(await raw({ exp: '253402300799' })));
    if (!result.ok) throw result.error;
    expect(principalToJSON(result.principal).expiresAt).toBe('9999-12-31T23:59:59.000Z');
  });
});

describe('claim types (RFC 7519 §4.1, RFC 9068 §2.2)', () => {
  it.each([
    ['sub a number', { sub: 123, client_id: 'svc' }],
    ['sub an object', { sub: { id: 'admin' }, client_id: 'svc' }],
    ['client_id a number', { client_id: 7 }],
    ['jti a number', { jti: 5 }],
    ['scope an array', { scope: ['admin'] }],
    ['iss an array', { iss: [ISSUER] }],
    ['aud with a number beside ours', { aud: [AUDIENCE, 5] }],
  ])('%s is invalid_token', async (_name, claims) => {
    await refusedEverywhere(await sign(key, userClaims(claims as never)));
  });

  it('strings, and aud as a string or strings, are accepted', async () => {
    const auth = authenticator();
    for (const aud of [AUDIENCE, [AUDIENCE, 'https://other.example']]) {
      const token = await sign(key, userClaims({ aud, jti: 'j', client_id: 'c', sub: 's' }));
      expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    }
  });
});
