import { generateApiKey } from '@authcore/core';
import { RedisApiKeyStore, RedisRefreshTokenStore } from '@authcore/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Instance, startInstance } from './instances.js';
import { sharedRedis, uniquePrefix } from './redis-server.js';

// Two real Node.js processes on one Redis, as two API instances behind a load balancer.
let url: string;
let prefix: string;
let a: Instance;
let b: Instance;
let admin: { apiKeys: RedisApiKeyStore; refreshTokens: RedisRefreshTokenStore };

beforeAll(async () => {
  url = (await sharedRedis()).url;
  prefix = uniquePrefix('cross');
  const env = { AUTHCORE_REDIS_URL: url, TEST_PREFIX: prefix };
  [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  expect(await a.call('ready')).toBe(true);
  expect(await b.call('ready')).toBe(true);
  admin = {
    apiKeys: new RedisApiKeyStore({ redis: url, prefix, cache: false }),
    refreshTokens: new RedisRefreshTokenStore({ redis: url, prefix }),
  };
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await admin?.apiKeys.close();
  await admin?.refreshTokens.close();
  await (await sharedRedis()).stop();
});

describe('across two processes', () => {
  it('a key revoked on A is refused on B well within the documented bound (ttlMs, 5 s)', async () => {
    const { key, record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
    await admin.apiKeys.create(record);
    // B has the record in its in-process cache.
    expect(await b.call('verify', { key })).toBe(true);
    expect(await b.call('verify', { key })).toBe(true);
    const revokedAt = performance.now();
    expect(await a.call('revoke', { id: record.id })).toBe(true);
    let refusedAfter: number | undefined;
    while (performance.now() - revokedAt < 5_000) {
      if ((await b.call('verify', { key })) === false) {
        refusedAfter = performance.now() - revokedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(refusedAfter).toBeDefined();
    // Through pub/sub, not the cache TTL: well under a second.
    expect(refusedAfter!).toBeLessThan(1_000);
    expect(await a.call('verify', { key })).toBe(false);
  });

  it('refresh race: both processes consume the same tokens at once, exactly one wins each', async () => {
    const now = Date.now();
    const hashes = Array.from({ length: 50 }, (_, i) => `race-${i}`);
    for (const tokenHash of hashes)
      await admin.refreshTokens.save({
        tokenHash,
        familyId: `fam-${tokenHash}`,
        clientId: 'app',
        userId: 'u',
        scopes: [],
        audience: ['https://api.example'],
        issuedAt: now,
        expiresAt: now + 3_600_000,
      });
    const at = Date.now() + 300;
    const [ra, rb] = await Promise.all([
      a.call<(boolean | null)[]>('consumeAt', { hashes, at }),
      b.call<(boolean | null)[]>('consumeAt', { hashes, at }),
    ]);
    for (let i = 0; i < hashes.length; i++) {
      expect(ra[i]).not.toBeNull();
      expect(Number(ra[i]) + Number(rb[i])).toBe(1);
    }
    expect(ra.filter(Boolean).length + rb.filter(Boolean).length).toBe(hashes.length);
  });

  it('DPoP replay: a proof jti claimed on one process is refused on the other', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `jkt:proof-${i}`);
    const at = Date.now() + 300;
    const [ra, rb] = await Promise.all([
      a.call<boolean[]>('claimAt', { keys, at }),
      b.call<boolean[]>('claimAt', { keys, at }),
    ]);
    for (let i = 0; i < keys.length; i++) expect(Number(ra[i]) + Number(rb[i])).toBe(1);
    // Later replays of the same proofs fail on both.
    expect(await a.call<boolean[]>('claimAt', { keys: keys.slice(0, 3), at: 0 })).toEqual([
      false,
      false,
      false,
    ]);
  });
});
