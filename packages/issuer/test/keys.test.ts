import {
  createIssuer,
  type Issuer,
  type IssuerOptions,
  type KeyStore,
  memoryKeyStore,
} from '@authcore/issuer';
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, post, SERVICE, type Served, serve, verify } from './helpers.js';

let served: Served;
beforeAll(async () => {
  served = await serve({ keyGracePeriod: 1800 });
});
afterAll(() => served.close());

const cc = async (s = served) =>
  (await post(`${s.url}/token`, { grant_type: 'client_credentials' }, { authorization: SERVICE }))
    .body!.access_token as string;
const jwks = async (s = served) =>
  (await (await fetch(`${s.url}/jwks`)).json()) as { keys: Record<string, unknown>[] };

describe('signing keys', () => {
  it('publishes public keys only, with kid, alg and use', async () => {
    const res = await fetch(`${served.url}/jwks`);
    expect(res.headers.get('content-type')).toBe('application/jwk-set+json');
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      alg: 'ES256',
      use: 'sig',
    });
    expect(keys[0]).not.toHaveProperty('d');
    expect(await served.issuer.jwks()).toEqual({ keys });
  });

  it('rotation: the old key verifies during the grace period and fails after', async () => {
    const issuedAt = served.clock.t;
    const before = await cc();
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = await served.issuer.rotateKeys();
    expect(newKid).not.toBe(oldKid);

    const after = await cc();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect((await verify(served, before)).ok).toBe(true);
    expect((await verify(served, after)).ok).toBe(true);

    // Just before the grace period ends the old key is still published.
    served.clock.t += 1799_000;
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect((await verify(served, before, undefined, issuedAt)).ok).toBe(true);

    // After it, the old key is gone: its token fails on the key alone (the verifier's clock is
    // held at issuance, so `exp` is not what refuses it), and introspection agrees.
    served.clock.t += 1_000;
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
    const old = await verify(served, before, undefined, issuedAt);
    expect(old.ok).toBe(false);
    expect((await verify(served, await cc())).ok).toBe(true);
    expect(
      (await post(`${served.url}/introspect`, { token: before }, { authorization: SERVICE })).body,
    ).toEqual({ active: false });
  });

  it('signs with given private keys, publishing the others as previous keys', async () => {
    const a = await generateKeyPair('ES256', { extractable: true });
    const b = await generateKeyPair('ES256', { extractable: true });
    const keys = [
      { ...(await exportJWK(a.privateKey)), kid: 'key-a' },
      { ...(await exportJWK(b.privateKey)), kid: 'key-b' },
    ];
    const local = await serve({ keys });
    try {
      const token = await cc(local);
      expect(decodeProtectedHeader(token).kid).toBe('key-a');
      expect((await jwks(local)).keys.map((k) => k.kid)).toEqual(['key-a', 'key-b']);
      expect((await jwks(local)).keys.every((k) => !('d' in k))).toBe(true);
      expect((await verify(local, token)).ok).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe('a key store shared by instances', () => {
  const KEK = crypto.getRandomValues(new Uint8Array(32));
  const base = { issuer: 'https://issuer.test', clients: CLIENTS };

  it.each([
    [
      { stores: { keys: memoryKeyStore() } },
      'createIssuer: `stores.keys` needs `keyEncryptionKey` (32 bytes)',
    ],
    [
      { stores: { keys: {} as KeyStore }, keyEncryptionKey: KEK },
      'createIssuer: `stores.keys` must be a KeyStore',
    ],
    [{ keyEncryptionKey: new Uint8Array(31) }, 'createIssuer: `keyEncryptionKey` must be 32 bytes'],
    [{ keyEncryptionKey: 'c2hvcnQ' }, 'createIssuer: `keyEncryptionKey` must be 32 bytes'],
    [{ keyEncryptionKey: '***' }, 'createIssuer: `keyEncryptionKey` must be base64url or base64'],
    [
      { keyRefreshInterval: 0 },
      'createIssuer: `keyRefreshInterval` must be an integer from 1 to 300 seconds',
    ],
    [
      { rotateEvery: 299 },
      'createIssuer: `rotateEvery` must be an integer from 600 to 31622400 seconds',
    ],
  ] as [Partial<IssuerOptions>, string][])('refuses %j', (options, message) => {
    expect(() => createIssuer({ ...base, ...options })).toThrow(message);
  });

  const clock = { t: Date.UTC(2030, 0, 1) };
  const two = (store: KeyStore, over: Partial<IssuerOptions> = {}): Issuer[] =>
    [KEK, Buffer.from(KEK).toString('base64')].map((keyEncryptionKey) =>
      createIssuer({
        ...base,
        stores: { keys: store },
        keyEncryptionKey,
        keyRefreshInterval: 5,
        now: () => clock.t,
        ...over,
      }),
    );
  const token = async (issuer: Issuer) => {
    const res = await issuer.fetch(
      new Request('https://issuer.test/token', {
        method: 'POST',
        headers: { authorization: SERVICE, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const kid = async (issuer: Issuer) =>
    decodeProtectedHeader((await token(issuer)).body.access_token!).kid;

  it('two issuers on one memoryKeyStore (the key as bytes and as base64) share keys and rotations', async () => {
    const [a, b] = two(memoryKeyStore());
    expect(await a!.jwks()).toEqual(await b!.jwks());
    const old = await kid(a!);
    expect(await kid(b!)).toBe(old);
    const fresh = await b!.rotateKeys();
    // Published at once by the rotating instance, by the other within keyRefreshInterval (5 s);
    // it signs keyRefreshInterval after the rotation, on both.
    expect((await b!.jwks()).keys.map((k) => k.kid)).toEqual([fresh, old]);
    expect(await kid(b!)).toBe(old);
    clock.t += 4_999;
    expect(await kid(a!)).toBe(old);
    clock.t += 1;
    expect(await kid(a!)).toBe(fresh);
    expect(await kid(b!)).toBe(fresh);
    expect(await a!.jwks()).toEqual(await b!.jwks());
  });

  it('a store that fails: the last keys sign until grace - ttl after the last read, then 500', async () => {
    const memory = memoryKeyStore();
    let down = false;
    const store: KeyStore = {
      get: () => (down ? Promise.reject(new Error('store down')) : memory.get()),
      compareAndSet: (e, n) =>
        down ? Promise.reject(new Error('store down')) : memory.compareAndSet(e, n),
    };
    const errors: unknown[] = [];
    const warnings: [Record<string, unknown>, string][] = [];
    const noop = () => {};
    const logger = {
      debug: noop,
      info: noop,
      error: noop,
      warn: (fields: Record<string, unknown>, message: string) => warnings.push([fields, message]),
    };
    const [a] = two(store, { keyGracePeriod: 1200, onError: (e) => errors.push(e), logger });
    const signing = await kid(a!);
    const lastRead = clock.t;
    down = true;
    // grace (1200 s) - accessTokenTtl (600 s): tokens signed until then expire while published.
    clock.t = lastRead + 600_000;
    expect(await kid(a!)).toBe(signing);
    expect(errors.map(String)).toEqual(['Error: store down']);
    // The logger hears of it too, by the error's name only (its message may name what it held).
    expect(warnings).toEqual([
      [
        { endpoint: 'jwks', errorName: 'Error' },
        'authcore issuer: the key store failed: the keys last read still sign and are published (onError has the error)',
      ],
    ]);
    await expect(a!.rotateKeys()).rejects.toThrow('store down');
    clock.t = lastRead + 600_001;
    expect(await token(a!)).toEqual({ status: 500, body: { error: 'server_error' } });
    down = false;
    expect(await kid(a!)).toBe(signing);
  });
});
