import type { ClientRecord } from '../stores/types.js';

/**
 * Where checked client metadata documents are cached, by their `client_id` URL: in this process
 * by default (`memoryDocumentCache`), or shared by every instance (`RedisDocumentCache` in
 * `@authcore/redis`). The issuer decides how long an entry lives (the document's
 * `Cache-Control`, capped by `maxAge`); the store keeps it no longer and may drop it sooner.
 */
export interface DocumentCacheStore {
  /** The record cached for `url`, unless it is past its `expiresAt` (or was dropped). */
  get(url: string): Promise<ClientRecord | undefined>;
  /** Caches `record` for `url` until `expiresAt` (epoch ms). */
  set(url: string, record: ClientRecord, expiresAt: number): Promise<void>;
}

/** At most `maxEntries` documents in this process, the least recently used dropped first. */
export function memoryDocumentCache(options: {
  maxEntries: number;
  now?: () => number;
}): DocumentCacheStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { record: ClientRecord; until: number }>();
  return {
    async get(url) {
      const hit = entries.get(url);
      if (!hit) return undefined;
      entries.delete(url);
      if (hit.until <= now()) return undefined;
      entries.set(url, hit); // most recently used last
      return structuredClone(hit.record);
    },
    async set(url, record, expiresAt) {
      entries.delete(url);
      if (expiresAt <= now()) return;
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(url, { record: structuredClone(record), until: expiresAt });
    },
  };
}
