import type { RedisOptions } from 'ioredis';
import { RedisApiKeyStore, type RedisApiKeyStoreOptions } from './api-keys.js';
import {
  createRedisClient,
  isClient,
  quit,
  type RedisClient,
  type RedisStoreOptions,
} from './connection.js';
import { RedisDocumentCache } from './documents.js';
import {
  RedisClientStore,
  type RedisClientStoreOptions,
  RedisCodeStore,
  RedisRefreshTokenStore,
} from './issuer.js';
import { RedisKeyStore } from './keys.js';
import {
  RedisReplayStore,
  RedisRevocationStore,
  RedisUsageCounter,
  type RedisUsageCounterOptions,
} from './simple.js';

export {
  type ApiKeyCacheOptions,
  RedisApiKeyStore,
  type RedisApiKeyStoreOptions,
} from './api-keys.js';
export {
  createRedisClient,
  createRedisCluster,
  type RedisClient,
  type RedisInput,
  RedisStoreError,
  type RedisStoreOptions,
} from './connection.js';
export { RedisDocumentCache, type RedisDocumentCacheOptions } from './documents.js';
export {
  RedisClientStore,
  type RedisClientStoreOptions,
  RedisCodeStore,
  RedisRefreshTokenStore,
} from './issuer.js';
export { RedisKeyStore } from './keys.js';
export {
  jwtRevocationCheck,
  RedisReplayStore,
  RedisRevocationStore,
  RedisUsageCounter,
  type RedisUsageCounterOptions,
} from './simple.js';

export interface RedisStoresOptions extends RedisStoreOptions {
  /** The API key store's cache and usage batching. */
  apiKeys?: Pick<RedisApiKeyStoreOptions, 'cache' | 'usageFlushMs'>;
  /** The usage counter's windows. */
  usage?: Pick<RedisUsageCounterOptions, 'name' | 'windowMs' | 'retainMs' | 'flushMs'>;
  /** The client store's quota of registered clients. */
  clients?: Pick<RedisClientStoreOptions, 'maxClients'>;
}

/** Every store on one Redis connection (plus the API key store's pub/sub connection). */
export interface RedisStores {
  /** For the core `apiKey` scheme. */
  apiKeys: RedisApiKeyStore;
  /** For the issuer's `stores.revocations`, and the core `jwt` scheme through `jwtRevocationCheck`. */
  revocations: RedisRevocationStore;
  /** For the core `jwt` scheme's `dpop: { replay }`. */
  replay: RedisReplayStore;
  /** For the issuer's `stores.codes`. */
  codes: RedisCodeStore;
  /** For the issuer's `stores.refreshTokens`. */
  refreshTokens: RedisRefreshTokenStore;
  /** For the issuer's `stores.keys`: signing keys every instance shares (with `keyEncryptionKey`). */
  keys: RedisKeyStore;
  /** For the issuer's `registration.store` (registered clients), or `clients` managed at run time. */
  clients: RedisClientStore;
  /** For the issuer's `clientMetadataDocuments.cache`: documents fetched once for every instance. */
  documents: RedisDocumentCache;
  /** Per-subject usage counters. */
  usage: RedisUsageCounter;
  /** The client the stores share (a `Cluster` when you gave one). */
  redis: RedisClient;
  /** Flushes pending usage and closes the connections the stores opened (not a client you gave). */
  close(): Promise<void>;
}

/**
 * Every store under one prefix on one client: yours (one server or a `Cluster`), or one opened
 * from a URL with the recommended timeouts (and closed by `close()`).
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const owned = !isClient(options?.redis);
  const redis = owned
    ? createRedisClient(options.redis as string | RedisOptions, {
        ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
        ...(options.connectTimeoutMs !== undefined && {
          connectTimeoutMs: options.connectTimeoutMs,
        }),
        ...(options.onError && { onError: options.onError }),
      })
    : (options.redis as RedisClient);
  const shared: RedisStoreOptions = { ...options, redis };
  const apiKeys = new RedisApiKeyStore({ ...shared, ...options.apiKeys });
  const usage = new RedisUsageCounter({ ...shared, ...options.usage });
  return {
    apiKeys,
    revocations: new RedisRevocationStore(shared),
    replay: new RedisReplayStore(shared),
    codes: new RedisCodeStore(shared),
    refreshTokens: new RedisRefreshTokenStore(shared),
    clients: new RedisClientStore({ ...shared, ...options.clients }),
    keys: new RedisKeyStore(shared),
    documents: new RedisDocumentCache(shared),
    usage,
    redis,
    async close() {
      await Promise.all([apiKeys.close(), usage.close()]);
      if (owned) await quit(redis);
    },
  };
}
