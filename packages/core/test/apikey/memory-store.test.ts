import { type ApiKeyRecord, generateApiKey, MemoryApiKeyStore } from '@authcore/core';
import { describe, expect, it } from 'vitest';

const recordFor = async (owner: string, createdAt: number) =>
  (await generateApiKey({ owner, scopes: ['a'], metadata: { m: '1' }, now: () => createdAt }))
    .record;

describe('MemoryApiKeyStore', () => {
  it('creates, finds and refuses a duplicate id', async () => {
    const store = new MemoryApiKeyStore();
    const record = await recordFor('acme', 1);
    await store.create(record);
    expect(await store.find(record.id)).toEqual(record);
    expect(await store.find('unknownid000')).toBeUndefined();
    await expect(store.create(record)).rejects.toThrow(/already exists/);
  });

  it('keeps its own frozen copy: neither the caller nor a reader can change it', async () => {
    const store = new MemoryApiKeyStore();
    const record = await recordFor('acme', 1);
    const mutable = { ...record, scopes: [...record.scopes] };
    await store.create(mutable);
    mutable.scopes.push('admin');
    const found = (await store.find(record.id))!;
    expect(found.scopes).toEqual(['a']);
    expect(Object.isFrozen(found)).toBe(true);
    expect(() => (found.scopes as string[]).push('admin')).toThrow();
  });

  it('revokes once, keeping the first time', async () => {
    const record = await recordFor('acme', 1);
    const store = new MemoryApiKeyStore([record]);
    expect(await store.revoke(record.id, 10)).toBe(true);
    expect(await store.revoke(record.id, 20)).toBe(true);
    expect((await store.find(record.id))!.revokedAt).toBe(10);
    expect(await store.revoke('unknownid000', 10)).toBe(false);
  });

  it('brings an expiry forward, never back', async () => {
    const record = await recordFor('acme', 1);
    const store = new MemoryApiKeyStore([record]);
    await store.expire(record.id, 100);
    await store.expire(record.id, 200);
    expect((await store.find(record.id))!.expiresAt).toBe(100);
    await store.expire(record.id, 50);
    expect((await store.find(record.id))!.expiresAt).toBe(50);
    expect(await store.expire('unknownid000', 1)).toBe(false);
  });

  it('lists by owner, oldest first', async () => {
    const [a2, b1, a1] = await Promise.all([
      recordFor('a', 2),
      recordFor('b', 1),
      recordFor('a', 1),
    ]);
    const store = new MemoryApiKeyStore([a2!, b1!, a1!]);
    expect((await store.listByOwner('a')).map((r) => r.id)).toEqual([a1!.id, a2!.id]);
    expect(await store.listByOwner('nobody')).toEqual([]);
  });

  it('records use: last time and a counter', async () => {
    const record = await recordFor('acme', 1);
    const store = new MemoryApiKeyStore([record]);
    await store.recordUse(record.id, 30);
    await store.recordUse(record.id, 20);
    await store.recordUse('unknownid000', 20);
    const found = (await store.find(record.id))!;
    expect(found).toMatchObject({ lastUsedAt: 30, useCount: 2 });
    expect((await store.listByOwner('acme'))[0]).toMatchObject({ lastUsedAt: 30, useCount: 2 });
  });

  it('holds plain records that survive a JSON round trip (as in Redis or SQL)', async () => {
    const record = await recordFor('acme', 1);
    const store = new MemoryApiKeyStore();
    await store.create(JSON.parse(JSON.stringify(record)) as ApiKeyRecord);
    await store.revoke(record.id, 7);
    await store.recordUse(record.id, 8);
    const found = (await store.find(record.id))!;
    expect(JSON.parse(JSON.stringify(found))).toEqual({
      ...record,
      revokedAt: 7,
      lastUsedAt: 8,
      useCount: 1,
    });
  });
});
