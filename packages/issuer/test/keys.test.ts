import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, SERVICE, type Served, serve, verify } from './helpers.js';

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
