import { spawnSync } from 'node:child_process';
import {
  createRedisCluster,
  createRedisStores,
  RedisStoreError,
  type RedisStores,
} from '@authcore/redis';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCluster, type TestCluster, uniquePrefix } from './redis-server.js';

// A node that stops answering without going away (SIGSTOP: its connections hang, nothing is
// refused), as behind a partition: the stores must not hang with it. First a replica (no
// effect), then a master (closed on its slots, within timeoutMs, until its replica takes over;
// then, thawed, it rejoins as a replica and nothing written meanwhile is lost).
let cluster: TestCluster;
let client: Cluster;
let stores: RedisStores;
const prefix = uniquePrefix('unreachable');

beforeAll(async () => {
  cluster = await spawnCluster(2_000);
  client = createRedisCluster(cluster.nodes);
  await client.ping();
  stores = createRedisStores({ redis: client, prefix, timeoutMs: 500 });
}, 60_000);
afterAll(async () => {
  await stores?.close();
  client?.disconnect();
  await cluster?.stop();
});

const cli = (port: number, ...args: string[]) =>
  spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2_000 })
    .stdout ?? '';
async function masterOf(key: string): Promise<number> {
  const slot = Number(await client.cluster('KEYSLOT', key));
  return Number(client.slots[slot]![0]!.split(':')[1]);
}
async function jtiOn(port: number, onIt: boolean, name: string): Promise<string> {
  for (let i = 0; ; i++)
    if (((await masterOf(`${prefix}revoked:${name}-${i}`)) === port) === onIt)
      return `${name}-${i}`;
}
const timed = async <T>(work: Promise<T>) => {
  const start = performance.now();
  const result = await work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { ...result, ms: performance.now() - start };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Redis replicates asynchronously: wait until every replica of `port` acknowledged what it has,
// so the failover below loses nothing the test wrote (a loaded machine lags well past 200 ms).
async function replicated(port: number): Promise<void> {
  const until = performance.now() + 10_000;
  for (;;) {
    const info = cli(port, 'info', 'replication');
    const offset = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
    const acked = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => Number(m[1]));
    if (acked.length > 0 && acked.every((o) => o >= offset)) return;
    expect(performance.now(), 'replicated within 10 s').toBeLessThan(until);
    await sleep(50);
  }
}

describe('a node that stops answering', () => {
  it('a replica: the stores do not notice', async () => {
    const replica = cluster.ports.find((port) =>
      /^role:slave/m.test(cli(port, 'info', 'replication')),
    )!;
    const jti = await jtiOn(replica, false, 'r');
    cluster.pause(replica);
    try {
      const revoke = await timed(stores.revocations.revoke(jti, Date.now() + 60_000));
      const check = await timed(stores.revocations.isRevoked(jti));
      expect(revoke).toMatchObject({ value: undefined });
      expect(check).toMatchObject({ value: true });
      expect(revoke.ms + check.ms).toBeLessThan(500);
    } finally {
      cluster.resume(replica);
    }
  });

  it('a master: closed on its slots within timeoutMs, recovered by the failover, rejoins as a replica', async () => {
    const victim = await masterOf(`${prefix}revoked:x`);
    const before = await jtiOn(victim, true, 'before');
    const unknown = await jtiOn(victim, true, 'unknown');
    const elsewhere = await jtiOn(victim, false, 'elsewhere');
    await stores.revocations.revoke(before, Date.now() + 600_000);
    await replicated(victim);

    cluster.pause(victim);
    const pausedAt = performance.now();
    try {
      const [check, write, other] = await Promise.all([
        timed(stores.revocations.isRevoked(unknown)),
        timed(stores.revocations.revoke(unknown, Date.now() + 60_000)),
        timed(stores.revocations.isRevoked(elsewhere)),
      ]);
      // No hang: answered closed at the store's deadline (500 ms), with room for a loaded machine.
      expect(check).toMatchObject({ value: true });
      expect((write as { error?: unknown }).error).toBeInstanceOf(RedisStoreError);
      for (const op of [check, write]) expect(op.ms).toBeLessThan(1_500);
      expect(other).toMatchObject({ value: false });

      // The replica takes over (cluster-node-timeout 2 s, then the election).
      let recovered = false;
      while (!recovered) {
        expect(performance.now() - pausedAt, 'failed over within 30 s').toBeLessThan(30_000);
        recovered = !(await stores.revocations.isRevoked(unknown));
        if (!recovered) await sleep(200);
      }
      expect(await stores.revocations.isRevoked(before)).toBe(true);
      await stores.revocations.revoke(unknown, Date.now() + 600_000);
    } finally {
      cluster.resume(victim);
    }
    // Thawed, the old master learns it was replaced and follows the new one.
    const until = performance.now() + 30_000;
    while (!/^role:slave/m.test(cli(victim, 'info', 'replication'))) {
      expect(performance.now()).toBeLessThan(until);
      await sleep(100);
    }
    expect(await stores.revocations.isRevoked(before)).toBe(true);
    expect(await stores.revocations.isRevoked(unknown)).toBe(true);
    expect(await masterOf(`${prefix}revoked:${unknown}`)).not.toBe(victim);
  }, 60_000);
});
