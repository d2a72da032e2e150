import { createRedisCluster } from '@authcore/redis';
import { type Cluster, Redis } from 'ioredis';
import { sharedCluster, sharedRedis } from './redis-server.js';

/** A Redis the store tests run against: one server, or a Cluster of three masters. */
export interface Target {
  /** What a store is given as `redis`: a URL it opens itself, or the Cluster the tests share. */
  input(): string | Cluster;
  /** A client of the test's own, to look at what the stores wrote. */
  admin: Redis | Cluster;
  /** Every key matching `pattern`, from every master. */
  keys(pattern: string): Promise<string[]>;
  /** A fresh client of the same kind (the caller closes it). */
  client(): Redis | Cluster;
  close(): Promise<void>;
}

export type TargetName = 'one redis-server' | 'Redis Cluster';

/** Both targets, for `describe.each`: every store suite runs on each. */
export const TARGETS: { name: TargetName }[] = [
  { name: 'one redis-server' },
  { name: 'Redis Cluster' },
];

export async function openTarget(name: TargetName): Promise<Target> {
  if (name === 'one redis-server') {
    const { url, stop } = await sharedRedis();
    const admin = new Redis(url);
    return {
      input: () => url,
      admin,
      keys: (pattern) => admin.keys(pattern),
      client: () => new Redis(url),
      async close() {
        admin.disconnect();
        await stop();
      },
    };
  }
  const { nodes, stop } = await sharedCluster();
  const admin = createRedisCluster(nodes);
  const shared = createRedisCluster(nodes);
  await Promise.all([admin.ping(), shared.ping()]);
  return {
    input: () => shared,
    admin,
    async keys(pattern) {
      const found = await Promise.all(admin.nodes('master').map((node) => node.keys(pattern)));
      return found.flat();
    },
    client: () => createRedisCluster(nodes),
    async close() {
      await Promise.all([admin.quit(), shared.quit()]);
      await stop();
    },
  };
}
