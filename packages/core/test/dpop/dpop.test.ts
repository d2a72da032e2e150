import {
  type AuthFailureReason,
  createAuthenticator,
  type DpopOptions,
  jwt,
  MemoryReplayStore,
  nodeRequestView,
} from '@authcore/core';
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clock,
  INVALID_TOKEN,
  jwtOptions,
  NOW,
  NOW_S,
  rendered,
  sign,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';

const URL_ = 'https://api.example/v1/orders';
let ES256: TestKey;
let client: { privateKey: CryptoKey; jwk: JWK; jkt: string };
let other: { privateKey: CryptoKey; jwk: JWK; jkt: string };

const clientKey = async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
};

beforeAll(async () => {
  ({ ES256 } = await testKeys());
  client = await clientKey();
  other = await clientKey();
});

const ath = async (token: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
  );

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  ath?: string | null;
  nonce?: string;
  key?: { privateKey: CryptoKey; jwk: JWK };
  jwk?: JWK;
  typ?: string;
}

async function proof(token: string, o: ProofOptions = {}) {
  const key = o.key ?? client;
  const payload: Record<string, unknown> = {
    htm: o.htm ?? 'GET',
    htu: o.htu ?? URL_,
    iat: o.iat ?? NOW_S,
    jti: o.jti ?? crypto.randomUUID(),
  };
  if (o.ath !== null) payload.ath = o.ath ?? (await ath(token));
  if (o.nonce) payload.nonce = o.nonce;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: o.typ ?? 'dpop+jwt', jwk: o.jwk ?? key.jwk })
    .sign(key.privateKey);
}

const request = (
  authorization: string,
  proofs: string[],
  method = 'GET',
  path = '/v1/orders?page=2',
) => {
  const raw = ['Host', 'api.example', 'Authorization', authorization];
  for (const p of proofs) raw.push('DPoP', p);
  return nodeRequestView({ method, url: path, rawHeaders: raw, socket: { encrypted: true } });
};

const ORIGINS = ['https://api.example'];
const make = (dpop: DpopOptions = {}) =>
  createAuthenticator({
    schemes: [jwt(jwtOptions({ keys: [ES256.jwk], dpop: { origins: ORIGINS, ...dpop } }))],
  });

const bound = () => sign(ES256, userClaims({ cnf: { jkt: client.jkt } }));

const proofFailure = (alg = 'ES256 EdDSA Ed25519 RS256 PS256') => ({
  status: 401,
  code: 'invalid_dpop_proof',
  wwwAuthenticate: `DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="${alg}"`,
  body: '{"error":"invalid_dpop_proof","error_description":"The DPoP proof is invalid"}',
});

describe('DPoP (RFC 9449) on the resource server', () => {
  it('accepts a bound token with a valid proof; the bare challenge offers Bearer and DPoP', async () => {
    const auth = make();
    const token = await bound();
    const result = await auth.authenticate(request(`DPoP ${token}`, [await proof(token)]));
    expect(result.ok).toBe(true);
    const none = await auth.authenticate(nodeRequestView({ rawHeaders: [] }));
    expect(rendered(auth, none, 'credentials_missing').wwwAuthenticate).toBe(
      'Bearer realm="api", DPoP realm="api"',
    );
  });

  it('refuses each bad proof with invalid_dpop_proof and the DPoP challenge', async () => {
    const auth = make();
    const token = await bound();
    const priv = await exportJWK(client.privateKey);
    const cases: [string, Promise<string[]>, AuthFailureReason][] = [
      ['wrong htm', proof(token, { htm: 'POST' }).then((p) => [p]), 'dpop_htm_mismatch'],
      [
        'wrong htu',
        proof(token, { htu: 'https://api.example/v1/other' }).then((p) => [p]),
        'dpop_htu_mismatch',
      ],
      [
        'other host',
        proof(token, { htu: 'https://evil.example/v1/orders' }).then((p) => [p]),
        'dpop_htu_mismatch',
      ],
      ['stale iat', proof(token, { iat: NOW_S - 3600 }).then((p) => [p]), 'dpop_iat_invalid'],
      [
        'iat in the future',
        proof(token, { iat: NOW_S + 3600 }).then((p) => [p]),
        'dpop_iat_invalid',
      ],
      ['missing ath', proof(token, { ath: null }).then((p) => [p]), 'dpop_ath_mismatch'],
      [
        'wrong ath',
        proof(token, { ath: await ath('other') }).then((p) => [p]),
        'dpop_ath_mismatch',
      ],
      ['wrong typ', proof(token, { typ: 'jwt' }).then((p) => [p]), 'dpop_proof_invalid'],
      ['private key in jwk', proof(token, { jwk: priv }).then((p) => [p]), 'dpop_key_rejected'],
      ['no proof', Promise.resolve([]), 'dpop_proof_missing'],
      ['two proofs', Promise.all([proof(token), proof(token)]), 'dpop_proof_invalid'],
      ['garbage proof', Promise.resolve(['not.a.jwt']), 'dpop_proof_invalid'],
    ];
    for (const [name, proofs, reason] of cases) {
      const result = await auth.authenticate(request(`DPoP ${token}`, await proofs));
      expect({ name, ...rendered(auth, result, reason) }).toEqual({ name, ...proofFailure() });
    }
  });

  it('remembers a jti for as long as its proof is accepted, iat in the future included', async () => {
    // A proof whose iat is ahead by the clock tolerance stays acceptable until
    // iat + proofMaxAge + clockTolerance: the jti must be remembered at least that long.
    const c = clock();
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: [ES256.jwk], dpop: { origins: ORIGINS }, now: c.now }))],
    });
    const token = await sign(ES256, userClaims({ cnf: { jkt: client.jkt }, exp: NOW_S + 3600 }));
    const p = await proof(token, { iat: NOW_S + 5 });
    expect((await auth.authenticate(request(`DPoP ${token}`, [p]))).ok).toBe(true);
    for (const later of [30_000, 65_000, 67_000, 69_000]) {
      c.t = NOW + later;
      const replayed = await auth.authenticate(request(`DPoP ${token}`, [p]));
      expect({ later, code: rendered(auth, replayed, 'dpop_replay').code }).toEqual({
        later,
        code: 'invalid_dpop_proof',
      });
    }
  });

  it('refuses a replayed jti, even across authenticators sharing a replay store', async () => {
    const replay = new MemoryReplayStore({ now: () => NOW });
    const a = make({ replay });
    const b = make({ replay });
    const token = await bound();
    const p = await proof(token, { jti: 'once' });
    expect((await a.authenticate(request(`DPoP ${token}`, [p]))).ok).toBe(true);
    expect(
      rendered(a, await a.authenticate(request(`DPoP ${token}`, [p])), 'dpop_replay').code,
    ).toBe('invalid_dpop_proof');
    expect(
      rendered(b, await b.authenticate(request(`DPoP ${token}`, [p])), 'dpop_replay').code,
    ).toBe('invalid_dpop_proof');
  });

  it('refuses a proof by another key than cnf.jkt, as invalid_token', async () => {
    const auth = make();
    const token = await bound();
    const r = rendered(
      auth,
      await auth.authenticate(request(`DPoP ${token}`, [await proof(token, { key: other })])),
      'dpop_jkt_mismatch',
    );
    expect(r.status).toBe(401);
    expect(r.wwwAuthenticate).toBe(
      'DPoP realm="api", error="invalid_token", error_description="The access token is invalid", algs="ES256 EdDSA Ed25519 RS256 PS256"',
    );
  });

  it('refuses an unbound token sent as DPoP, and a bound token sent as Bearer', async () => {
    const auth = make();
    const unbound = await sign(ES256);
    expect(
      rendered(
        auth,
        await auth.authenticate(request(`DPoP ${unbound}`, [await proof(unbound)])),
        'dpop_jkt_mismatch',
      ).code,
    ).toBe('invalid_token');
    const token = await bound();
    const asBearer = rendered(
      auth,
      await auth.authenticate(request(`Bearer ${token}`, [])),
      'token_sender_constrained',
    );
    expect({
      status: asBearer.status,
      wwwAuthenticate: asBearer.wwwAuthenticate,
      body: asBearer.body,
    }).toEqual(INVALID_TOKEN);
  });

  it('without dpop configured, a bound Bearer token is refused and DPoP is not a credential', async () => {
    const auth = createAuthenticator({ schemes: [jwt(jwtOptions({ keys: [ES256.jwk] }))] });
    const token = await bound();
    expect(
      rendered(
        auth,
        await auth.authenticate(request(`Bearer ${token}`, [])),
        'token_sender_constrained',
      ).code,
    ).toBe('invalid_token');
    expect(
      rendered(
        auth,
        await auth.authenticate(request(`DPoP ${token}`, [await proof(token)])),
        'credentials_missing',
      ).code,
    ).toBe('credentials_required');
  });

  it('required: Bearer is refused', async () => {
    const auth = make({ required: true });
    const plain = await sign(ES256);
    expect(
      rendered(auth, await auth.authenticate(request(`Bearer ${plain}`, [])), 'dpop_proof_missing')
        .code,
    ).toBe('invalid_token');
    const none = rendered(
      auth,
      await auth.authenticate(nodeRequestView({ rawHeaders: [] })),
      'credentials_missing',
    );
    expect(none.wwwAuthenticate).toBe('DPoP realm="api"');
  });

  it('server nonce: use_dpop_nonce with a DPoP-Nonce header, then accepted with it', async () => {
    const nonces = new Set(['n-1']);
    const auth = make({ nonce: { issue: () => 'n-1', check: (n) => nonces.has(n) } });
    const token = await bound();
    const first = await auth.authenticate(request(`DPoP ${token}`, [await proof(token)]));
    expect(first.ok).toBe(false);
    if (first.ok) return;
    const r = auth.render(first.error);
    expect(r.status).toBe(401);
    expect(r.headers['dpop-nonce']).toBe('n-1');
    expect(r.headers['www-authenticate']).toBe(
      'DPoP realm="api", error="use_dpop_nonce", error_description="A DPoP nonce is required", algs="ES256 EdDSA Ed25519 RS256 PS256"',
    );
    const second = await auth.authenticate(
      request(`DPoP ${token}`, [await proof(token, { nonce: 'n-1' })]),
    );
    expect(second.ok).toBe(true);
  });

  it('refuses non-asymmetric proof algorithms at construction', () => {
    expect(() => make({ algorithms: ['HS256'] })).toThrow(TypeError);
    expect(() => make({ algorithms: ['none'] })).toThrow(TypeError);
  });
});
