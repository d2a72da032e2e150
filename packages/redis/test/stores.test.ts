import { apiKey, generateApiKey } from '@authcore/core';
import type { CodeRecord, RefreshTokenRecord } from '@authcore/issuer';
import {
  createRedisStores,
  jwtRevocationCheck,
  RedisApiKeyStore,
  RedisClientStore,
  RedisCodeStore,
  RedisRefreshTokenStore,
  RedisReplayStore,
  RedisRevocationStore,
  type RedisStores,
  RedisUsageCounter,
} from '@authcore/redis';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from './redis-server.js';
import { openTarget, TARGETS, type Target } from './targets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const code = (over: Partial<CodeRecord> = {}): CodeRecord => {
  const now = Date.now();
  return {
    codeHash: `c-${Math.random().toString(36).slice(2)}`,
    clientId: 'app',
    redirectUri: 'https://app.example/cb',
    redirectUriInRequest: true,
    userId: 'u1',
    scopes: [],
    audience: ['https://api.example'],
    codeChallenge: 'x'.repeat(43),
    familyId: 'f1',
    issuedAt: now,
    expiresAt: now + 60_000,
    retainUntil: now + 120_000,
    ...over,
  };
};

const refresh = (over: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => {
  const now = Date.now();
  return {
    tokenHash: `r-${Math.random().toString(36).slice(2)}`,
    familyId: `fam-${Math.random().toString(36).slice(2)}`,
    clientId: 'app',
    userId: 'u1',
    scopes: ['openid', 'orders:read'],
    audience: ['https://api.example'],
    claims: { acr: '1' },
    issuedAt: now,
    expiresAt: now + 3_600_000,
    ...over,
  };
};

// Every store operation runs on one server and on a Redis Cluster of three masters: on the
// Cluster a script or pipeline whose keys span slots fails (CROSSSLOT), so passing here proves
// each one stays within one slot.
describe.each(TARGETS)('on $name', ({ name }) => {
  let target: Target;
  let admin: Redis | Cluster;
  const closers: (() => Promise<void>)[] = [];
  const url = () => target.input();

  beforeAll(async () => {
    target = await openTarget(name);
    admin = target.admin;
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
    await target?.close();
  });

  function stores(
    prefixName: string,
    extra: Partial<Parameters<typeof createRedisStores>[0]> = {},
  ) {
    const prefix = uniquePrefix(prefixName);
    const s = createRedisStores({ redis: url(), prefix, ...extra });
    closers.push(() => s.close());
    return { s, prefix };
  }

  describe('RedisApiKeyStore', () => {
    it('creates, finds, refuses a taken id, lists by owner oldest first', async () => {
      const { s, prefix } = stores('apikeys');
      const a = await generateApiKey({
        prefix: 'sk_test',
        owner: 'acme',
        scopes: 'orders:read',
        metadata: { env: 'ci' },
        now: () => 1_000,
      });
      const b = await generateApiKey({ prefix: 'sk_test', owner: 'acme', now: () => 2_000 });
      const c = await generateApiKey({ prefix: 'sk_test', owner: 'other', expiresAt: 9e12 });
      await s.apiKeys.create(b.record);
      await s.apiKeys.create(a.record);
      await s.apiKeys.create(c.record);
      await expect(s.apiKeys.create(a.record)).rejects.toThrow(/already exists/);
      expect(await s.apiKeys.find(a.record.id)).toEqual(a.record);
      expect(await s.apiKeys.find(c.record.id)).toEqual(c.record);
      expect(await s.apiKeys.find('nope')).toBeUndefined();
      expect((await s.apiKeys.listByOwner('acme')).map((r) => r.id)).toEqual([
        a.record.id,
        b.record.id,
      ]);
      expect(await s.apiKeys.listByOwner('nobody')).toEqual([]);
      // Key layout and versioned value.
      expect(await admin.hget(`${prefix}apikey:${a.record.id}`, 'v')).toBe('1');
      expect(await admin.zrange(`${prefix}apikey-owner:acme`, '0', '-1')).toHaveLength(2);
    });

    it('revoke keeps the first time, expire only moves earlier, both false when unknown', async () => {
      const { s } = stores('apikeys-revoke');
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await s.apiKeys.create(record);
      expect(await s.apiKeys.revoke(record.id, 100)).toBe(true);
      expect(await s.apiKeys.revoke(record.id, 200)).toBe(true);
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBe(100);
      expect(await s.apiKeys.expire(record.id, 5_000)).toBe(true);
      expect(await s.apiKeys.expire(record.id, 9_000)).toBe(true);
      expect((await s.apiKeys.find(record.id))?.expiresAt).toBe(5_000);
      expect(await s.apiKeys.expire(record.id, 4_000)).toBe(true);
      expect((await s.apiKeys.find(record.id))?.expiresAt).toBe(4_000);
      expect(await s.apiKeys.revoke('unknown', 1)).toBe(false);
      expect(await s.apiKeys.expire('unknown', 1)).toBe(false);
    });

    it('recordUse is batched into useCount and the latest lastUsedAt', async () => {
      const { s, prefix } = stores('apikeys-use', { apiKeys: { usageFlushMs: 50 } });
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await s.apiKeys.create(record);
      await s.apiKeys.recordUse(record.id, 500);
      await s.apiKeys.recordUse(record.id, 300);
      await s.apiKeys.recordUse(record.id, 400);
      await s.apiKeys.recordUse('unknown', 400);
      await s.apiKeys.flushUsage();
      await s.apiKeys.recordUse(record.id, 200);
      await sleep(150); // the timer flushes
      const found = await s.apiKeys.find(record.id);
      expect(found?.useCount).toBe(4);
      expect(found?.lastUsedAt).toBe(500);
      expect(await admin.exists(`${prefix}apikey:unknown`)).toBe(0);
    });

    it('verifies through the core apiKey scheme, and a revoked key is refused at once', async () => {
      const { s } = stores('apikeys-scheme');
      await s.apiKeys.ready();
      const { key, record } = await generateApiKey({ prefix: 'sk_test', owner: 'o', scopes: 'a' });
      await s.apiKeys.create(record);
      const scheme = apiKey({ store: s.apiKeys });
      const verify = (token: string) =>
        scheme.verify({ slot: 'apiKey', token } as never, {} as never);
      const ok = await verify(key);
      expect(ok.ok).toBe(true);
      await s.apiKeys.revoke(record.id, Date.now());
      expect((await verify(key)).ok).toBe(false);
    });

    it('serves recently verified records from memory, and drops them on invalidation', async () => {
      const { s, prefix } = stores('apikeys-cache');
      await s.apiKeys.ready();
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await s.apiKeys.create(record);
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBeUndefined();
      // Changed behind the store's back: the cache still answers (within its ttl)...
      await admin.hset(`${prefix}apikey:${record.id}`, 'revokedAt', '1');
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBeUndefined();
      // ...until an invalidation for that id arrives on the channel.
      await admin.publish(`${prefix}apikey:invalidate`, record.id);
      await sleep(50);
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBe(1);
    });

    it('a revoke through one client reaches the cache of a store on another client at once', async () => {
      const prefix = uniquePrefix('apikeys-pubsub');
      const other = target.client();
      const a = createRedisStores({ redis: url(), prefix });
      const b = createRedisStores({ redis: other, prefix });
      closers.push(
        () => a.close(),
        () => b.close(),
        () => other.quit().then(() => {}),
      );
      expect(await b.apiKeys.ready()).toBe(true);
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await a.apiKeys.create(record);
      expect((await b.apiKeys.find(record.id))?.revokedAt).toBeUndefined();
      const started = performance.now();
      await a.apiKeys.revoke(record.id, 7);
      // b's cache (ttl 5 s) held the active record: only the published invalidation drops it.
      while ((await b.apiKeys.find(record.id))?.revokedAt === undefined) {
        expect(performance.now() - started).toBeLessThan(1_000);
        await sleep(5);
      }
      expect((await b.apiKeys.find(record.id))?.revokedAt).toBe(7);
    });

    it('cache ttl bounds a lost invalidation', async () => {
      const { s, prefix } = stores('apikeys-ttl', { apiKeys: { cache: { ttlMs: 200 } } });
      await s.apiKeys.ready();
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await s.apiKeys.create(record);
      await s.apiKeys.find(record.id);
      await admin.hset(`${prefix}apikey:${record.id}`, 'revokedAt', '1');
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBeUndefined();
      await sleep(250);
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBe(1);
    });

    it('cache: false reads Redis every time', async () => {
      const { s, prefix } = stores('apikeys-nocache', { apiKeys: { cache: false } });
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await s.apiKeys.create(record);
      await s.apiKeys.find(record.id);
      await admin.hset(`${prefix}apikey:${record.id}`, 'revokedAt', '1');
      expect((await s.apiKeys.find(record.id))?.revokedAt).toBe(1);
    });

    it('refuses a record of an unknown format version', async () => {
      const { s, prefix } = stores('apikeys-version', { apiKeys: { cache: false } });
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await s.apiKeys.create(record);
      await admin.hset(`${prefix}apikey:${record.id}`, 'v', '2');
      await expect(s.apiKeys.find(record.id)).rejects.toThrow(/format version/);
    });
  });

  describe('RedisRevocationStore', () => {
    it('remembers a jti until the token expires, then Redis drops it', async () => {
      const prefix = uniquePrefix('revocations');
      const store = new RedisRevocationStore({ redis: url(), prefix });
      closers.push(() => store.close());
      await store.revoke('jti-1', Date.now() + 300);
      await store.revoke('jti-old', Date.now() - 1);
      expect(await store.isRevoked('jti-1')).toBe(true);
      expect(await store.isRevoked('jti-2')).toBe(false);
      expect(await store.isRevoked('jti-old')).toBe(false);
      const ttl = await admin.pttl(`${prefix}revoked:jti-1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
      await sleep(400);
      expect(await store.isRevoked('jti-1')).toBe(false);
    });

    it('jwtRevocationCheck reads claims.jti', async () => {
      const store = new RedisRevocationStore({ redis: url(), prefix: uniquePrefix('jwtcheck') });
      closers.push(() => store.close());
      await store.revoke('t1', Date.now() + 60_000);
      const check = jwtRevocationCheck(store);
      expect(await check({ claims: { jti: 't1' } } as never)).toBe(true);
      expect(await check({ claims: { jti: 't2' } } as never)).toBe(false);
      expect(await check({ claims: {} } as never)).toBe(false);
    });
  });

  describe('RedisReplayStore', () => {
    it('claims a key once until it expires (SET NX PX)', async () => {
      const prefix = uniquePrefix('replay');
      const store = new RedisReplayStore({ redis: url(), prefix });
      closers.push(() => store.close());
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.claim('jkt:jti-1', Date.now() + 1_200)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claim('jkt:jti-2', Date.now() + 1_200)).toBe(true);
      const keys = await target.keys(`${prefix}dpop:*`);
      expect(keys).toHaveLength(2);
      expect(await admin.pttl(keys[0]!)).toBeLessThanOrEqual(1_200);
      await sleep(1_300);
      expect(await store.claim('jkt:jti-1', Date.now() + 1_200)).toBe(true);
    });
  });

  describe('RedisCodeStore', () => {
    it('consume is atomic: one of many concurrent callers sees it unused', async () => {
      const prefix = uniquePrefix('codes');
      const store = new RedisCodeStore({ redis: url(), prefix });
      const other = new RedisCodeStore({ redis: url(), prefix });
      closers.push(
        () => store.close(),
        () => other.close(),
      );
      const record = code({ claims: { acr: 'x' } });
      await store.save(record);
      expect(await admin.hget(`${prefix}code:${record.codeHash}`, 'v')).toBe('1');
      const now = Date.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? store : other).consume(record.codeHash, now + i),
        ),
      );
      const fresh = results.filter((r) => r && !r.alreadyUsed);
      expect(fresh).toHaveLength(1);
      expect(fresh[0]!.record).toEqual(record);
      for (const r of results) expect(r?.usedAt).toBe(fresh[0]!.usedAt);
      expect(await store.consume('unknown', now)).toBeUndefined();
    });

    it('a code is dropped after retainUntil', async () => {
      const store = new RedisCodeStore({ redis: url(), prefix: uniquePrefix('codes-exp') });
      closers.push(() => store.close());
      const record = code({ retainUntil: Date.now() + 200 });
      await store.save(record);
      await store.save(code({ codeHash: 'past', retainUntil: Date.now() - 1 }));
      expect(await store.consume('past', Date.now())).toBeUndefined();
      await sleep(300);
      expect(await store.consume(record.codeHash, Date.now())).toBeUndefined();
    });
  });

  describe('RedisRefreshTokenStore', () => {
    it('save, find, consume once, then replays are reported with the first usedAt', async () => {
      const store = new RedisRefreshTokenStore({ redis: url(), prefix: uniquePrefix('rt') });
      closers.push(() => store.close());
      const record = refresh();
      const f = record.familyId;
      await store.save(record);
      expect(await store.find(f, record.tokenHash)).toEqual({ record, used: false });
      const first = await store.consume(f, record.tokenHash, 1_000);
      expect(first).toEqual({ record, alreadyUsed: false, usedAt: 1_000 });
      expect(await store.consume(f, record.tokenHash, 2_000)).toEqual({
        record,
        alreadyUsed: true,
        usedAt: 1_000,
      });
      expect(await store.find(f, record.tokenHash)).toEqual({ record, used: true });
      expect(await store.find('unknown', record.tokenHash)).toBeUndefined();
      expect(await store.consume('unknown', record.tokenHash, 1)).toBeUndefined();
    });

    it('rotation replaces the token in place: the previous one keeps its rotation time, any other is reuse', async () => {
      const prefix = uniquePrefix('rt-rotate');
      const store = new RedisRefreshTokenStore({ redis: url(), prefix });
      closers.push(() => store.close());
      const first = refresh();
      const f = first.familyId;
      await store.save(first);
      await store.consume(f, first.tokenHash, 1_000);
      const second = { ...first, tokenHash: 'second' };
      await store.save(second);
      expect(await store.consume(f, first.tokenHash, 1_500)).toEqual({
        record: second,
        alreadyUsed: true,
        usedAt: 1_000,
      });
      expect(await store.consume(f, 'never-issued', 1_500)).toEqual({
        record: second,
        alreadyUsed: true,
        usedAt: 0,
      });
      expect(await store.find(f, first.tokenHash)).toEqual({ record: second, used: true });
      expect(await store.consume(f, 'second', 2_000)).toEqual({
        record: second,
        alreadyUsed: false,
        usedAt: 2_000,
      });
      // One key for the family, no key per token.
      expect(await target.keys(`${prefix}*`)).toEqual([`${prefix}family:{${f}}`]);
    });

    it('4,000 rotations keep the key count and the family hash constant', async () => {
      const prefix = uniquePrefix('rt-4000');
      const store = new RedisRefreshTokenStore({ redis: url(), prefix });
      closers.push(() => store.close());
      let record = refresh();
      await store.save(record);
      const expiresAt = Date.now() + 60_000;
      const shape: [number, number, number][] = [];
      for (let i = 1; i <= 4_000; i++) {
        expect((await store.consume(record.familyId, record.tokenHash, i))?.alreadyUsed).toBe(
          false,
        );
        const tracked = await store.trackAccessToken(
          record.familyId,
          { jti: `at-${i}`, expiresAt },
          record.expiresAt,
        );
        expect(tracked).toEqual(i > 16 ? [{ jti: `at-${i - 16}`, expiresAt }] : []);
        record = { ...record, tokenHash: `t-${i}` };
        await store.save(record);
        if (i % 1_000 === 0) {
          const base = `${prefix}family:{${record.familyId}}`;
          shape.push([
            (await target.keys(`${prefix}*`)).length,
            await admin.hlen(base),
            await admin.hlen(`${base}:at`),
          ]);
        }
      }
      const [first] = shape;
      expect(first![0]).toBe(2);
      expect(first![2]).toBe(16);
      expect(shape).toEqual(shape.map(() => first));
    }, 120_000);

    it('the same token twice at once: exactly one consumer wins', async () => {
      const store = new RedisRefreshTokenStore({ redis: url(), prefix: uniquePrefix('rt-race') });
      const other = new RedisRefreshTokenStore({ redis: url(), prefix: uniquePrefix('rt-race') });
      closers.push(
        () => store.close(),
        () => other.close(),
      );
      const record = refresh();
      await store.save(record);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? store : other).consume(record.familyId, record.tokenHash, 1_000 + i),
        ),
      );
      expect(results.filter((r) => r && !r.alreadyUsed)).toHaveLength(1);
    });

    it('an expired token is unknown (by its expiresAt, and dropped by Redis)', async () => {
      const store = new RedisRefreshTokenStore({ redis: url(), prefix: uniquePrefix('rt-exp') });
      closers.push(() => store.close());
      const record = refresh({ expiresAt: Date.now() + 150 });
      await store.save(record);
      expect(
        await store.consume(record.familyId, record.tokenHash, record.expiresAt),
      ).toBeUndefined();
      await sleep(250);
      expect(await store.find(record.familyId, record.tokenHash)).toBeUndefined();
    });

    it('families: track, revoke returns tracked tokens, revoked families refuse tracking', async () => {
      const prefix = uniquePrefix('family');
      const store = new RedisRefreshTokenStore({ redis: url(), prefix });
      closers.push(() => store.close());
      const record = refresh();
      await store.save(record);
      const now = Date.now();
      expect(await store.isFamilyRevoked(record.familyId)).toBe(false);
      expect(
        await store.trackAccessToken(
          record.familyId,
          { jti: 'a1', expiresAt: now + 60_000 },
          record.expiresAt,
        ),
      ).toEqual([]);
      expect(
        await store.trackAccessToken(
          record.familyId,
          { jti: 'a0', expiresAt: now - 1 },
          record.expiresAt,
        ),
      ).toEqual([]);
      expect(
        await store.trackAccessToken(
          record.familyId,
          { jti: 'a2', expiresAt: now + 60_000 },
          record.expiresAt,
        ),
      ).toEqual([]);
      const tracked = await store.revokeFamily(record.familyId, record.expiresAt);
      // a0 had expired and was pruned when a2 was tracked.
      expect(tracked.sort((x, y) => x.jti.localeCompare(y.jti))).toEqual([
        { jti: 'a1', expiresAt: now + 60_000 },
        { jti: 'a2', expiresAt: now + 60_000 },
      ]);
      expect(await store.isFamilyRevoked(record.familyId)).toBe(true);
      expect(
        await store.trackAccessToken(
          record.familyId,
          { jti: 'a3', expiresAt: now + 60_000 },
          record.expiresAt,
        ),
      ).toBe(false);
      expect(await store.revokeFamily(record.familyId, record.expiresAt)).toEqual([]);
      // An unknown family can be revoked too (reuse of a token whose family mark expired).
      expect(await store.revokeFamily('never-seen', now + 60_000)).toEqual([]);
      expect(await store.isFamilyRevoked('never-seen')).toBe(true);
      // Both family keys share a Cluster hash tag, and carry a TTL that only grows.
      const ttl = await admin.pttl(`${prefix}family:{${record.familyId}}`);
      expect(ttl).toBeGreaterThan(3_000_000);
      await store.revokeFamily(record.familyId, now + 10);
      expect(await admin.pttl(`${prefix}family:{${record.familyId}}`)).toBeGreaterThan(3_000_000);
    });

    it('a family mark expires with the family', async () => {
      const store = new RedisRefreshTokenStore({
        redis: url(),
        prefix: uniquePrefix('family-exp'),
      });
      closers.push(() => store.close());
      await store.revokeFamily('f', Date.now() + 150);
      expect(await store.isFamilyRevoked('f')).toBe(true);
      await sleep(250);
      expect(await store.isFamilyRevoked('f')).toBe(false);
    });
  });

  describe('RedisClientStore', () => {
    it('put, get, remove', async () => {
      const store = new RedisClientStore({ redis: url(), prefix: uniquePrefix('clients') });
      closers.push(() => store.close());
      const record = {
        clientId: 'app',
        clientSecretHash: 'h',
        redirectUris: ['https://app.example/cb'],
        scopes: ['a'],
        audience: ['https://api.example'],
        grantTypes: ['client_credentials' as const],
      };
      expect(await store.get('app')).toBeUndefined();
      await store.put(record);
      expect(await store.get('app')).toEqual(record);
      expect(await store.remove('app')).toBe(true);
      expect(await store.remove('app')).toBe(false);
    });
  });

  describe('RedisUsageCounter', () => {
    it('counts per subject and window with INCRBY + PEXPIRE, batched', async () => {
      const prefix = uniquePrefix('usage');
      const counter = new RedisUsageCounter({
        redis: url(),
        prefix,
        windowMs: 60_000,
        retainMs: 60_000,
        flushMs: 50,
      });
      closers.push(() => counter.close());
      for (let i = 0; i < 10; i++) counter.increment('key-a');
      counter.increment('key-b', 5);
      expect(await counter.get('key-a')).toBe(10); // pending included
      await counter.flush();
      counter.increment('key-a');
      await sleep(120);
      expect(await counter.get('key-a')).toBe(11);
      expect(await counter.get('key-b')).toBe(5);
      const keys = await target.keys(`${prefix}usage:key-a:*`);
      expect(keys).toHaveLength(1);
      expect(await admin.get(keys[0]!)).toBe('11');
      const ttl = await admin.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(120_000);
    });
  });

  describe('createRedisStores', () => {
    it('shares a client you own and leaves it open on close', async () => {
      const client = target.client();
      const s: RedisStores = createRedisStores({ redis: client, prefix: uniquePrefix('own') });
      expect(s.redis).toBe(client);
      await s.revocations.revoke('x', Date.now() + 10_000);
      await s.close();
      expect(await client.ping()).toBe('PONG');
      await client.quit();
    });

    it('each store also works alone (on a URL it opens and closes, or the Cluster given)', async () => {
      const store = new RedisApiKeyStore({ redis: url(), prefix: uniquePrefix('alone') });
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      await store.create(record);
      expect(await store.find(record.id)).toEqual(record);
      await store.close();
      await store.close();
    });
  });
});
