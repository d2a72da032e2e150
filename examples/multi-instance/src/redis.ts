// The Redis both processes use: a Redis Cluster when AUTHCORE_REDIS_CLUSTER_NODES is set
// (`host:port,host:port`, a few nodes are enough), else one server at AUTHCORE_REDIS_URL.
import { createRedisCluster, createRedisStores, type RedisStores } from '@authcore/redis';

export function openStores(): RedisStores {
  const onError = (error: unknown) =>
    console.error('redis:', error instanceof Error ? error.message : error);
  const nodes = process.env.AUTHCORE_REDIS_CLUSTER_NODES;
  const cluster = nodes ? createRedisCluster(nodes, { onError }) : undefined;
  const stores = createRedisStores({
    redis: cluster ?? process.env.AUTHCORE_REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: process.env.AUTHCORE_REDIS_PREFIX ?? 'authcore:',
    onError,
  });
  if (!cluster) return stores;
  // The stores do not close a client they were given.
  return {
    ...stores,
    async close() {
      await stores.close();
      await cluster.quit().catch(() => cluster.disconnect());
    },
  };
}
