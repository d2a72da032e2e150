import { createHash } from 'node:crypto';
import type { ClientRecord, DocumentCacheStore } from '@authcore/issuer';
import {
  Connection,
  checkVersion,
  FORMAT_VERSION,
  type RedisStoreOptions,
  ttlUntil,
} from './connection.js';

export interface RedisDocumentCacheOptions extends RedisStoreOptions {
  /** Largest entry kept, in bytes of JSON; a larger one is not cached. Default 16384. */
  maxEntryBytes?: number;
  /** Longest an entry is kept, in ms, whatever the issuer asks. Default 24 hours. */
  maxTtlMs?: number;
}

/**
 * The issuer's client metadata document cache (`clientMetadataDocuments.cache`), shared by every
 * instance: one string per document URL, `<prefix>cimd:{<sha256 of the URL>}` (one key, one
 * slot), JSON `{ v, url, record }`, expiring when the issuer says (the document's
 * `Cache-Control`, capped by its `maxAge`) and never later than `maxTtlMs`. Entries over
 * `maxEntryBytes` are not cached.
 *
 * Redis failing: `get` and `set` reject within `timeoutMs`; the issuer takes that for a miss
 * (it fetches the document) and tells its `onError`.
 */
export class RedisDocumentCache implements DocumentCacheStore {
  readonly #conn: Connection;
  readonly #maxEntryBytes: number;
  readonly #maxTtlMs: number;

  constructor(options: RedisDocumentCacheOptions) {
    this.#conn = new Connection(options);
    this.#maxEntryBytes = options.maxEntryBytes ?? 16_384;
    this.#maxTtlMs = options.maxTtlMs ?? 24 * 3600_000;
    if (!(this.#maxEntryBytes > 0) || !(this.#maxTtlMs > 0))
      throw new TypeError('@authcore/redis: `maxEntryBytes` and `maxTtlMs` must be > 0');
  }

  #key(url: string) {
    return this.#conn.key('cimd', `{${createHash('sha256').update(url).digest('base64url')}}`);
  }

  async get(url: string): Promise<ClientRecord | undefined> {
    const raw = await this.#conn.run('documents.get', () => this.#conn.client.get(this.#key(url)));
    if (raw === null) return undefined;
    const entry = JSON.parse(raw) as { v?: unknown; url?: unknown; record?: ClientRecord };
    checkVersion(entry.v, 'client metadata document');
    return entry.url === url ? entry.record : undefined;
  }

  async set(url: string, record: ClientRecord, expiresAt: number): Promise<void> {
    const ttl = ttlUntil(expiresAt, this.#conn.now());
    if (ttl === undefined) return;
    const value = JSON.stringify({ v: FORMAT_VERSION, url, record });
    if (Buffer.byteLength(value) > this.#maxEntryBytes) return;
    await this.#conn.run('documents.set', () =>
      this.#conn.client.set(this.#key(url), value, 'PX', Math.min(ttl, this.#maxTtlMs)),
    );
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
