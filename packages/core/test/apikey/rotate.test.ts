import {
  apiKey,
  createAuthenticator,
  generateApiKey,
  MemoryApiKeyStore,
  rotateApiKey,
} from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { withHeaders } from './helpers.js';

async function setup() {
  const store = new MemoryApiKeyStore();
  const old = await generateApiKey({
    prefix: 'sk_live',
    owner: 'acme',
    scopes: ['orders:read'],
    metadata: { team: 'payments' },
    now: () => 0,
  });
  await store.create(old.record);
  let t = 1_000;
  const auth = createAuthenticator({ schemes: [apiKey({ store, now: () => t })] });
  const works = async (key: string) =>
    (await auth.authenticate(withHeaders({ 'x-api-key': key }))).ok;
  return { store, old, works, setTime: (v: number) => (t = v) };
}

describe('rotateApiKey', () => {
  it('issues a new key for the same owner and scopes; both work during the overlap', async () => {
    const { store, old, works, setTime } = await setup();
    const rotated = await rotateApiKey(store, old.record.id, {
      overlapMs: 5_000,
      now: () => 1_000,
    });
    expect(rotated.key).not.toBe(old.key);
    expect(rotated.record).toMatchObject({
      prefix: 'sk_live',
      owner: 'acme',
      scopes: ['orders:read'],
      metadata: { team: 'payments' },
      createdAt: 1_000,
    });
    expect(rotated.record.expiresAt).toBeUndefined();
    expect(rotated.previous.expiresAt).toBe(6_000);
    expect(await store.find(rotated.record.id)).toEqual(rotated.record);

    expect(await works(old.key)).toBe(true);
    expect(await works(rotated.key)).toBe(true);
    setTime(5_999);
    expect(await works(old.key)).toBe(true);
    setTime(6_000);
    expect(await works(old.key)).toBe(false);
    expect(await works(rotated.key)).toBe(true);
    expect((await store.listByOwner('acme')).map((r) => r.id)).toEqual([
      old.record.id,
      rotated.record.id,
    ]);
  });

  it('takes an exact end for the old key and an expiry for the new one', async () => {
    const { store, old } = await setup();
    const rotated = await rotateApiKey(store, old.record.id, {
      expiresAt: new Date(2_000),
      newExpiresAt: 90_000,
      now: () => 1_000,
    });
    expect(rotated.previous.expiresAt).toBe(2_000);
    expect(rotated.record.expiresAt).toBe(90_000);
  });

  it('never extends an old key that expires sooner', async () => {
    const { store, old } = await setup();
    await store.expire(old.record.id, 1_500);
    const rotated = await rotateApiKey(store, old.record.id, { overlapMs: 86_400_000 });
    expect(rotated.previous.expiresAt).toBe(1_500);
  });

  it('defaults to one day of overlap', async () => {
    const { store, old } = await setup();
    const rotated = await rotateApiKey(store, old.record.id, { now: () => 10 });
    expect(rotated.previous.expiresAt).toBe(10 + 86_400_000);
  });

  it('refuses an unknown or revoked key, and a bad overlap', async () => {
    const { store, old } = await setup();
    await expect(rotateApiKey(store, 'Zz9Zz9Zz9Zz9')).rejects.toThrow(/unknown/);
    await expect(rotateApiKey(store, old.record.id, { overlapMs: -1 })).rejects.toThrow(/overlap/);
    await store.revoke(old.record.id, 1);
    await expect(rotateApiKey(store, old.record.id)).rejects.toThrow(/revoked/);
  });
});
