import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { generateApiKey } from '@authcore/core';
import {
  createRedisCluster,
  createRedisStores,
  RedisStoreError,
  type RedisStores,
} from '@authcore/redis';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCluster, type TestCluster, uniquePrefix } from './redis-server.js';

// A master of a cluster of our own crashes: what the stores answer before the failover (its
// slots unreachable), and after it (a replica took over). The README's cluster table says this.
let cluster: TestCluster;
let client: Cluster;
let other: Cluster;
let stores: RedisStores;
let peer: RedisStores;
const prefix = uniquePrefix('failover');
const errors: unknown[] = [];

beforeAll(async () => {
  // A node is marked failed 4 s after it stops answering: a window the checks before the
  // failover fit in, even on a loaded machine.
  cluster = await spawnCluster(4_000);
  client = createRedisCluster(cluster.nodes, { onError: (e) => errors.push(e) });
  other = createRedisCluster(cluster.nodes);
  await Promise.all([client.ping(), other.ping()]);
  stores = createRedisStores({ redis: client, prefix, onError: (e) => errors.push(e) });
  peer = createRedisStores({ redis: other, prefix });
  expect(await stores.apiKeys.ready()).toBe(true);
  expect(await peer.apiKeys.ready()).toBe(true);
}, 60_000);
afterAll(async () => {
  await stores?.close();
  await peer?.close();
  client?.disconnect();
  other?.disconnect();
  await cluster?.stop();
});

/** The port of the master serving `key`'s slot, as the client sees it. */
/** Waits until the replica of the master on `port` has every write the master has. */
async function replicated(port: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const info = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'replication'], {
      encoding: 'utf8',
    }).stdout;
    const master = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
    const replica = Number(/slave0:[^\n]*offset=(\d+)/.exec(info)?.[1]);
    if (replica >= master) return;
    if (performance.now() > deadline) throw new Error(`replica of ${port} did not catch up`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function masterOf(key: string): Promise<number> {
  const slot = Number(await client.cluster('KEYSLOT', key));
  return Number(client.slots[slot]![0]!.split(':')[1]);
}

/** The first `id-<n>` whose key (`keyOf(id)`) is served by (or not by) `port`. */
async function idOn(
  keyOf: (id: string) => string,
  port: number,
  onIt = true,
  name = 'id',
): Promise<string> {
  for (let i = 0; ; i++) {
    const id = `${name}-${i}`;
    if (((await masterOf(keyOf(id))) === port) === onIt) return id;
  }
}

const timed = async <T>(work: Promise<T>) => {
  const start = performance.now();
  const result = await work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { ...result, ms: performance.now() - start };
};

/** Every surviving node says cluster_state:ok. */
function clusterOk(dead: number): boolean {
  return cluster.ports
    .filter((port) => port !== dead)
    .every((port) =>
      /^cluster_state:ok/m.test(
        spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' })
          .stdout,
      ),
    );
}

describe('a master crashes', () => {
  it('fails closed on its slots until a replica takes over, then every store works again', async () => {
    const victim = await masterOf(`${prefix}revoked:x`);
    const revokedKey = (id: string) => `${prefix}revoked:${id}`;
    const onVictim = await idOn(revokedKey, victim, true, 'jti');
    const unknownOnVictim = await idOn(revokedKey, victim, true, 'unknown');
    const newOnVictim = await idOn(revokedKey, victim, true, 'new');
    const elsewhere = await idOn(revokedKey, victim, false);
    const replayOnVictim = await idOn(
      (key) => `${prefix}dpop:${createHash('sha256').update(key).digest('base64url')}`,
      victim,
      true,
      'jkt:proof',
    );
    const codeOnVictim = await idOn((id) => `${prefix}code:${id}`, victim, true, 'code');
    const family = await idOn((id) => `${prefix}family:{${id}}`, victim, true, 'fam');
    // Written before the crash, and replicated (asynchronous: waited for, as a write that the
    // replica never got is lost in a failover, which the README's failure table says).
    await stores.revocations.revoke(onVictim, Date.now() + 600_000);
    await stores.refreshTokens.revokeFamily(family, Date.now() + 600_000);
    const { record } = await generateApiKey({ prefix: 'sk_test', owner: 'o' });
    await stores.apiKeys.create(record);
    await replicated(victim);

    await cluster.kill(victim);
    const killedAt = performance.now();

    // Before the failover (the cluster marks a node failed after cluster-node-timeout, 4 s): its
    // slots do not answer, and every store answers closed within its timeout, all at once.
    const [revoked, known, claim, revoke, consume, familyRevoked, other] = await Promise.all([
      timed(stores.revocations.isRevoked(unknownOnVictim)),
      timed(stores.revocations.isRevoked(onVictim)),
      timed(stores.replay.claim(replayOnVictim, Date.now() + 60_000)),
      timed(stores.revocations.revoke(newOnVictim, Date.now() + 60_000)),
      timed(stores.codes.consume(codeOnVictim, Date.now())),
      timed(stores.refreshTokens.isFamilyRevoked(family)),
      timed(stores.revocations.isRevoked(elsewhere)),
    ]);
    expect(revoked).toMatchObject({ value: true });
    expect(known).toMatchObject({ value: true });
    expect(claim).toMatchObject({ value: false });
    expect((revoke as { error?: unknown }).error).toBeInstanceOf(RedisStoreError);
    expect((consume as { error?: unknown }).error).toBeInstanceOf(RedisStoreError);
    expect(familyRevoked).toMatchObject({ value: true });
    for (const op of [revoked, known, claim, revoke, consume, familyRevoked])
      expect(op.ms).toBeLessThan(2_000); // timeoutMs (1 s), with room for a loaded machine
    // The other masters' slots keep answering.
    expect(other).toMatchObject({ value: false });

    // After the failover: recovered, with what was written before.
    const until = Date.now() + 30_000;
    while (!clusterOk(victim)) {
      expect(Date.now()).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 200));
    }
    let recovered = false;
    while (!recovered && Date.now() < until) {
      recovered = !(await stores.revocations.isRevoked(unknownOnVictim));
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(true);
    // Measured 6.4 to 7.6 s on a 2-core machine (cluster-node-timeout 4 s).
    expect(performance.now() - killedAt).toBeLessThan(20_000);
    expect(await masterOf(`${prefix}revoked:${onVictim}`)).not.toBe(victim);
    expect(await stores.revocations.isRevoked(onVictim)).toBe(true);
    expect(await stores.refreshTokens.isFamilyRevoked(family)).toBe(true);
    expect(await stores.replay.claim(replayOnVictim, Date.now() + 60_000)).toBe(true);
    expect(await stores.replay.claim(replayOnVictim, Date.now() + 60_000)).toBe(false);
    await stores.revocations.revoke(newOnVictim, Date.now() + 60_000);
    expect(await peer.revocations.isRevoked(newOnVictim)).toBe(true);

    // API key invalidation still crosses instances, whichever node each subscription was on.
    expect(await stores.apiKeys.ready()).toBe(true);
    expect(await peer.apiKeys.ready()).toBe(true);
    expect((await peer.apiKeys.find(record.id))?.revokedAt).toBeUndefined();
    await stores.apiKeys.revoke(record.id, 5);
    const start = performance.now();
    while ((await peer.apiKeys.find(record.id))?.revokedAt === undefined) {
      expect(performance.now() - start).toBeLessThan(1_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(errors.length).toBeGreaterThan(0);
  }, 60_000);
});
