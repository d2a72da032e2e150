import { spawnSync } from 'node:child_process';
import { generateApiKey } from '@authcore/core';
import { createRedisCluster, RedisApiKeyStore } from '@authcore/redis';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCluster, type TestCluster, uniquePrefix } from './redis-server.js';

// The API key store's invalidation subscription sits on one node of a cluster: when that node is
// lost, it moves to another, and revocations reach the cache again.
let cluster: TestCluster;
let writerClient: Cluster;
let readerClient: Cluster;
const prefix = uniquePrefix('cluster-sub');
const channel = `${prefix}apikey:invalidate`;

beforeAll(async () => {
  cluster = await spawnCluster();
  writerClient = createRedisCluster(cluster.nodes);
  readerClient = createRedisCluster(cluster.nodes);
  await Promise.all([writerClient.ping(), readerClient.ping()]);
}, 60_000);
afterAll(async () => {
  writerClient?.disconnect();
  readerClient?.disconnect();
  await cluster?.stop();
});

const cli = (port: number, ...args: string[]) =>
  spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout;

/** The live nodes where `channel` has a subscriber. */
const subscribedOn = (dead: number[] = []) =>
  cluster.ports
    .filter((port) => !dead.includes(port))
    .filter((port) => cli(port, 'pubsub', 'numsub', channel).split('\n')[1]?.trim() === '1');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('invalidation on a Redis Cluster', () => {
  it('moves off a lost node, says so meanwhile, and delivers revocations again', async () => {
    // Only the reader caches (and subscribes); the writer reads Redis every time.
    const writer = new RedisApiKeyStore({ redis: writerClient, prefix, cache: false });
    const reader = new RedisApiKeyStore({ redis: readerClient, prefix });
    try {
      expect(await reader.ready()).toBe(true);
      const [node] = subscribedOn();
      expect(node).toBeDefined();
      await cluster.kill(node!);
      // Down: no fresh cache hits until it is subscribed again (on another node).
      const until = Date.now() + 5_000;
      while (reader.invalidationConnected) {
        expect(Date.now()).toBeLessThan(until);
        await sleep(10);
      }
      expect(await reader.ready(15_000)).toBe(true);
      expect(subscribedOn([node!])).toHaveLength(1);

      // If the lost node was a master, its replica takes over; then a revocation on the writer
      // drops the reader's cached record through the new subscription.
      const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
      // A create that timed out during the failover may still have been applied: then the
      // retry finds the id taken, and the record is there.
      const writable = Date.now() + 40_000;
      for (;;) {
        try {
          await writer.create(record);
          break;
        } catch (error) {
          if (/already exists/.test(String(error))) break;
          if (Date.now() > writable) throw error;
          await sleep(200);
        }
      }
      expect((await reader.find(record.id))?.revokedAt).toBeUndefined();
      await writer.revoke(record.id, 9);
      const start = performance.now();
      while ((await reader.find(record.id))?.revokedAt === undefined) {
        expect(performance.now() - start).toBeLessThan(1_000);
        await sleep(5);
      }
    } finally {
      await writer.close();
      await reader.close();
    }
  }, 90_000);
});
