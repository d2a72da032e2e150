import { generateApiKey } from '@authcore/core';
import type { RefreshTokenRecord } from '@authcore/issuer';
import { createRedisStores, RedisRevocationStore, RedisStoreError } from '@authcore/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRedis, type TestRedis, uniquePrefix } from './redis-server.js';

// This file stops and restarts a redis-server of its own: never the shared one.
let redis: TestRedis;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  redis = await spawnRedis();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

async function rejection(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await work();
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
  throw new Error('expected a rejection');
}

describe('Redis stopped mid-test', () => {
  it('fails closed within the timeout, never rejects unhandled, and recovers', async () => {
    const errors: unknown[] = [];
    const timeoutMs = 300;
    const s = createRedisStores({
      redis: redis.url,
      prefix: uniquePrefix('outage'),
      timeoutMs,
      onError: (e) => errors.push(e),
      apiKeys: { cache: { ttlMs: 5_000, staleIfErrorMs: 2_000 }, usageFlushMs: 20 },
      usage: { flushMs: 20 },
    });
    await s.apiKeys.ready();
    const cachedKey = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
    const otherKey = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
    await s.apiKeys.create(cachedKey.record);
    await s.apiKeys.create(otherKey.record);
    await s.apiKeys.find(cachedKey.record.id); // now in the in-process cache
    const cachedAt = Date.now();
    const token: RefreshTokenRecord = {
      tokenHash: 'rt-1',
      familyId: 'fam-1',
      clientId: 'app',
      userId: 'u',
      scopes: [],
      audience: ['https://api.example'],
      issuedAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    };
    await s.refreshTokens.save(token);
    expect(await s.revocations.isRevoked('jti-1')).toBe(false);

    await redis.stop();
    await sleep(50);
    const budget = timeoutMs + 250;

    // API keys: a record read shortly before is served from memory; any other lookup rejects.
    expect((await s.apiKeys.find(cachedKey.record.id))?.id).toBe(cachedKey.record.id);
    const unknown = await rejection(() => s.apiKeys.find(otherKey.record.id));
    expect(unknown.error).toBeInstanceOf(RedisStoreError);
    // Usage: counted and lost quietly, never rejected.
    await s.apiKeys.recordUse(cachedKey.record.id, Date.now());
    s.usage.increment('k');
    await s.apiKeys.flushUsage();
    await s.usage.flush();

    // Revocation list: a check answers "revoked"; recording a revocation rejects.
    const revoked = await timed(() => s.revocations.isRevoked('jti-1'));
    expect(revoked.value).toBe(true);
    expect(revoked.ms).toBeLessThan(budget);
    const revoke = await rejection(() => s.revocations.revoke('jti-2', Date.now() + 60_000));
    expect(revoke.error).toBeInstanceOf(RedisStoreError);
    expect(revoke.ms).toBeLessThan(budget);

    // DPoP replay: the proof is refused.
    const claim = await timed(() => s.replay.claim('jkt:jti', Date.now() + 60_000));
    expect(claim.value).toBe(false);
    expect(claim.ms).toBeLessThan(budget);

    // Codes and refresh tokens: consume rejects (the issuer answers server_error, issues nothing).
    for (const work of [
      () => s.codes.consume('c', Date.now()),
      () => s.refreshTokens.consume('fam-1', 'rt-1', Date.now()),
      () => s.refreshTokens.find('fam-1', 'rt-1'),
      () => s.refreshTokens.trackAccessToken('fam-1', { jti: 'a', expiresAt: 1e13 }, 1e13),
      () => s.refreshTokens.revokeFamily('fam-1', Date.now() + 1_000),
      () => s.clients.get('app'),
      () => s.apiKeys.revoke(otherKey.record.id, Date.now()),
    ]) {
      const r = await rejection(work);
      expect(r.error).toBeInstanceOf(RedisStoreError);
      expect(r.ms).toBeLessThan(budget);
    }
    expect(await s.refreshTokens.isFamilyRevoked('fam-1')).toBe(true);

    // Past staleIfErrorMs the cached record is no longer served.
    await sleep(Math.max(0, cachedAt + 2_100 - Date.now()));
    expect((await rejection(() => s.apiKeys.find(cachedKey.record.id))).error).toBeInstanceOf(
      RedisStoreError,
    );
    expect(errors.length).toBeGreaterThan(0);

    // Back up (empty: no persistence): the stores reconnect by themselves.
    await redis.start();
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if ((await s.revocations.isRevoked('jti-1')) === false) break;
      await sleep(100);
    }
    expect(await s.revocations.isRevoked('jti-1')).toBe(false);
    expect(await s.replay.claim('jkt:jti', Date.now() + 60_000)).toBe(true);
    await s.refreshTokens.save(token);
    expect((await s.refreshTokens.consume('fam-1', 'rt-1', Date.now()))?.alreadyUsed).toBe(false);
    expect(await s.apiKeys.ready()).toBe(true);
    await s.apiKeys.create(otherKey.record);
    expect((await s.apiKeys.find(otherKey.record.id))?.id).toBe(otherKey.record.id);

    await s.close();
    await sleep(50);
    expect(unhandled).toEqual([]);
  });

  it('a store whose Redis never answers fails within its timeout', async () => {
    await redis.stop();
    try {
      const store = new RedisRevocationStore({
        redis: redis.url,
        prefix: uniquePrefix('never'),
        timeoutMs: 200,
        connectTimeoutMs: 200,
      });
      const r = await rejection(() => store.revoke('x', Date.now() + 1_000));
      expect(r.error).toBeInstanceOf(RedisStoreError);
      expect(r.ms).toBeLessThan(600);
      expect(await store.isRevoked('x')).toBe(true);
      await store.close();
    } finally {
      await redis.start();
    }
    expect(unhandled).toEqual([]);
  });
});
