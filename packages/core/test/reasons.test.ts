// Every refusal the core makes names a precise `reason` (never `unspecified`), and the reason
// never reaches the response.
import {
  type ApiKeyStore,
  type AuthFailureReason,
  type AuthResult,
  apiKey,
  authorize,
  createAuthenticator,
  generateApiKey,
  introspection,
  MemoryApiKeyStore,
  type RequestView,
} from '@authcore/core';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientKey,
  clientKey,
  dpopAuthenticator,
  dpopRequest,
  proofBy,
} from './dpop/helpers.js';
import {
  bearer,
  type JsonServer,
  jwtAuthenticator,
  makeKey,
  NOW,
  NOW_S,
  nodeView,
  sign,
  startJsonServer,
  type TestKey,
  userClaims,
} from './fixtures.js';

let key: TestKey;
let impostor: TestKey;
let rsa: TestKey;
let client: ClientKey;
let otherClient: ClientKey;
beforeAll(async () => {
  [key, impostor, rsa, client, otherClient] = await Promise.all([
    makeKey('ES256', 'k-1'),
    makeKey('ES256', 'k-1'),
    makeKey('RS256', 'r-1'),
    clientKey(),
    clientKey(),
  ]);
});

const seen = new Set<AuthFailureReason>();
// The reason of a refusal; the rendered answer must not name it.
function reasonOf<P>(
  auth: { render: (e: never) => { body: string; headers: Record<string, string> } },
  result: AuthResult<P>,
) {
  if (result.ok) throw new Error('expected a refusal');
  const { reason } = result.error;
  const r = auth.render(result.error as never);
  expect(r.body).not.toContain(reason);
  expect(Object.values(r.headers).join(' ')).not.toContain(reason);
  expect(reason).not.toBe('unspecified');
  seen.add(reason);
  return reason;
}

const local = (o: Parameters<typeof jwtAuthenticator>[0] = {}) =>
  jwtAuthenticator({ keys: { keys: [key.jwk, rsa.jwk] }, algorithms: ['ES256'], ...o });
const signed = (claims: Record<string, unknown> = {}, header?: Record<string, unknown>) =>
  sign(key, userClaims(claims), header ? { header } : {});

describe('reasons: extraction', () => {
  const auth = () => local();
  it.each<[string, string[], AuthFailureReason]>([
    [
      'two Authorization headers',
      ['Authorization', 'Bearer a.b.c', 'Authorization', 'Bearer a.b.c'],
      'multiple_credentials',
    ],
    ['a malformed Authorization header', ['Authorization', 'Bearer a b'], 'malformed_credentials'],
    ['no credential', [], 'credentials_missing'],
    ['a credential no scheme takes', ['Authorization', 'Bearer opaque-token'], 'no_scheme'],
  ])('%s', async (_name, raw, reason) => {
    const a = auth();
    expect(reasonOf(a, await a.authenticate(nodeView(['Host', 'api.example', ...raw])))).toBe(
      reason,
    );
  });
});

describe('reasons: JWT', () => {
  const cases: [string, () => Promise<string>, AuthFailureReason, Parameters<typeof local>[0]?][] =
    [
      ['too long', () => signed(), 'token_too_long', { maxTokenLength: 50 }],
      ['not canonical base64url', async () => `${await signed()}=`, 'token_not_canonical'],
      [
        'not JSON',
        async () => `${base64url.encode('nope')}.${base64url.encode('{}')}.AAAA`,
        'token_malformed',
      ],
      ['alg not allowed', () => sign(rsa), 'alg_not_allowed'],
      ['unknown kid', () => signed({}, { kid: 'nope' }), 'unknown_kid'],
      ['bad signature', () => sign(impostor), 'signature_invalid'],
      ['expired', () => signed({ exp: NOW_S - 60 }), 'token_expired'],
      ['not yet valid', () => signed({ nbf: NOW_S + 60 }), 'token_not_yet_valid'],
      ['iat in the future', () => signed({ iat: NOW_S + 60 }), 'token_not_yet_valid'],
      ['too old', () => signed({ iat: NOW_S - 3600 }), 'token_too_old', { maxTokenAge: 60 }],
      ['wrong issuer', () => signed({ iss: 'https://evil.example' }), 'issuer_mismatch'],
      ['wrong audience', () => signed({ aud: 'https://other.example' }), 'audience_mismatch'],
      [
        'client not allowed',
        () => signed({ client_id: 'evil' }),
        'audience_mismatch',
        { audience: { clientIds: ['web-app-2'] } },
      ],
      ['wrong typ', () => signed({}, { typ: 'JWT' }), 'typ_mismatch'],
      ['no exp', () => signed({ exp: undefined }), 'claim_missing'],
      [
        'no sub nor client_id',
        () => signed({ sub: undefined, client_id: undefined }),
        'claim_missing',
      ],
      ['exp not a number', () => signed({ exp: 'soon' }), 'claim_invalid'],
      ['sub not a string', () => signed({ sub: 42 }), 'claim_invalid'],
      [
        'claimValues',
        () => signed({ token_use: 'id' }),
        'claim_invalid',
        { claimValues: { token_use: 'access' } },
      ],
      [
        'unknown crit',
        () => sign(key, userClaims(), { header: { crit: ['x'], x: 1 }, crit: { x: true } }),
        'crit_unsupported',
      ],
      [
        'claims schema',
        () => signed(),
        'claims_schema_invalid',
        {
          claims: {
            '~standard': {
              version: 1,
              vendor: 't',
              validate: () => ({ issues: [{ message: 'no' }] }),
            },
          },
        },
      ],
      ['revoked', () => signed(), 'token_revoked', { isRevoked: () => true }],
      [
        'isRevoked throws',
        () => signed(),
        'scheme_error',
        {
          isRevoked: () => {
            throw new Error('db down');
          },
        },
      ],
      ['cnf token sent as Bearer', () => signed({ cnf: { jkt: 'x' } }), 'token_sender_constrained'],
    ];
  it.each(cases)('%s', async (_name, token, reason, overrides) => {
    const a = local(overrides);
    expect(reasonOf(a, await a.authenticate(bearer(await token())))).toBe(reason);
  });
});

describe('reasons: DPoP', () => {
  const bound = (k: ClientKey = client) => sign(key, userClaims({ cnf: { jkt: k.jkt } }));
  const run = async (req: (token: string) => Promise<RequestView>, dpop = {}) => {
    const a = dpopAuthenticator(key, dpop);
    return reasonOf(a, await a.authenticate(await req(await bound())));
  };
  it('each check has its reason', async () => {
    expect(await run(async (t) => dpopRequest(`DPoP ${t}`, []))).toBe('dpop_proof_missing');
    expect(
      await run(async (t) =>
        dpopRequest(`DPoP ${t}`, [await proofBy(client, t), await proofBy(client, t)]),
      ),
    ).toBe('dpop_proof_invalid');
    expect(
      await run(async (t) =>
        dpopRequest(`DPoP ${t}`, [await proofBy(client, t, { jwk: { ...client.jwk, d: 'x' } })]),
      ),
    ).toBe('dpop_key_rejected');
    expect(
      await run(async (t) => dpopRequest(`DPoP ${t}`, [await proofBy(client, t, { htm: 'POST' })])),
    ).toBe('dpop_htm_mismatch');
    expect(
      await run(async (t) =>
        dpopRequest(`DPoP ${t}`, [await proofBy(client, t, { htu: 'https://api.example/other' })]),
      ),
    ).toBe('dpop_htu_mismatch');
    expect(
      await run(async (t) => dpopRequest(`DPoP ${t}`, [await proofBy(client, t, { ath: 'AAAA' })])),
    ).toBe('dpop_ath_mismatch');
    expect(
      await run(async (t) =>
        dpopRequest(`DPoP ${t}`, [await proofBy(client, t, { iat: NOW_S - 3600 })]),
      ),
    ).toBe('dpop_iat_invalid');
    expect(await run(async (t) => dpopRequest(`DPoP ${t}`, [await proofBy(otherClient, t)]))).toBe(
      'dpop_jkt_mismatch',
    );
    const nonce = { issue: () => 'n-1', check: (n: string) => n === 'n-1' };
    expect(
      await run(async (t) => dpopRequest(`DPoP ${t}`, [await proofBy(client, t)]), { nonce }),
    ).toBe('dpop_nonce_required');
    expect(await run(async (t) => bearer(t), { required: true })).toBe('token_sender_constrained');
    expect(await run(async () => bearer(await signed()), { required: true })).toBe(
      'dpop_proof_missing',
    );
  });

  it('a replayed proof', async () => {
    const a = dpopAuthenticator(key);
    const token = await bound();
    const proof = await proofBy(client, token);
    expect((await a.authenticate(dpopRequest(`DPoP ${token}`, [proof]))).ok).toBe(true);
    expect(reasonOf(a, await a.authenticate(dpopRequest(`DPoP ${token}`, [proof])))).toBe(
      'dpop_replay',
    );
  });
});

describe('reasons: API keys', () => {
  it('each refusal has its reason, and all look the same from outside', async () => {
    const store = new MemoryApiKeyStore();
    const real = await generateApiKey({ prefix: 'sk_live', owner: 'acme', scopes: [] });
    const stranger = await generateApiKey({ prefix: 'sk_live', owner: 'acme', scopes: [] });
    const revoked = await generateApiKey({ prefix: 'sk_live', owner: 'acme', scopes: [] });
    const expired = await generateApiKey({ prefix: 'sk_live', owner: 'acme', scopes: [] });
    for (const g of [real, revoked, expired]) await store.create(g.record);
    await store.revoke(revoked.record.id, NOW - 1);
    await store.expire(expired.record.id, NOW - 1);
    const auth = createAuthenticator({ schemes: [apiKey({ store, now: () => NOW })] });
    const view = (k: string) => nodeView(['Host', 'api.example', 'X-API-Key', k]);
    const answers = new Set<string>();
    const check = async (k: string, reason: AuthFailureReason) => {
      const result = await auth.authenticate(view(k));
      expect(reasonOf(auth, result)).toBe(reason);
      if (!result.ok) answers.add(JSON.stringify(auth.render(result.error)));
    };
    const last = real.key.slice(-1) === 'A' ? 'B' : 'A';
    await check(`${real.key.slice(0, -1)}${last}`, 'api_key_checksum');
    await check(stranger.key, 'api_key_unknown');
    await check(revoked.key, 'api_key_revoked');
    await check(expired.key, 'api_key_expired');
    expect(answers.size).toBe(1);
    const failing: ApiKeyStore = {
      ...store,
      find: () => Promise.reject(new Error('down')),
    } as unknown as ApiKeyStore;
    const broken = createAuthenticator({ schemes: [apiKey({ store: failing })] });
    expect(reasonOf(broken, await broken.authenticate(view(real.key)))).toBe('store_unavailable');
  });
});

describe('reasons: introspection', () => {
  let server: JsonServer;
  beforeAll(async () => {
    server = await startJsonServer();
    server.json('/inactive', { active: false });
  });
  afterAll(() => server.close());
  const scheme = (path: string) =>
    createAuthenticator({
      schemes: [
        introspection({
          endpoint: `${server.origin}${path}`,
          clientId: 'rs',
          clientSecret: 's',
          negativeCache: false,
        }),
      ],
    });
  it('inactive and unavailable', async () => {
    const inactive = scheme('/inactive');
    expect(reasonOf(inactive, await inactive.authenticate(bearer('opaque-1')))).toBe(
      'token_inactive',
    );
    const down = scheme('/missing');
    expect(reasonOf(down, await down.authenticate(bearer('opaque-2')))).toBe(
      'introspection_unavailable',
    );
  });
});

describe('reasons: authorization', () => {
  it('scope, step-up, audience and checks', async () => {
    const a = local();
    const token = await signed({ acr: 'pwd', auth_time: NOW_S - 3600 });
    const ok = await a.authenticate(bearer(token));
    if (!ok.ok) throw new Error('expected a principal');
    const p = ok.principal;
    const denied = (r: Parameters<typeof authorize>[1]) => {
      const e = authorize(p, r, NOW);
      if (!e) throw new Error('expected a refusal');
      expect(e.reason).not.toBe('unspecified');
      seen.add(e.reason);
      return e.reason;
    };
    expect(denied({ scopes: 'admin' })).toBe('scope_missing');
    expect(denied({ scopes: { anyOf: ['admin', 'root'] } })).toBe('scope_missing');
    expect(denied({ acr: ['mfa'] })).toBe('acr_mismatch');
    expect(denied({ maxAge: 60 })).toBe('auth_too_old');
    expect(denied({ audience: 'https://other.example' })).toBe('audience_mismatch');
    expect(denied({ check: () => false })).toBe('check_failed');
    expect(
      denied({
        check: () => {
          throw new Error('x');
        },
      }),
    ).toBe('check_failed');
    const required = await a.authenticate(bearer(token), { require: { scopes: 'admin' } });
    expect(reasonOf(a, required)).toBe('scope_missing');
  });
});

it('no refusal above was unspecified', () => {
  expect(seen.has('unspecified')).toBe(false);
  expect(seen.size).toBeGreaterThan(40);
});
