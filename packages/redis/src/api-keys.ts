import type { ApiKeyRecord, ApiKeyStore } from '@authcore/core';
import {
  Connection,
  checkVersion,
  FORMAT_VERSION,
  type RedisStoreOptions,
  script,
} from './connection.js';

export interface ApiKeyCacheOptions {
  /**
   * How long a record read from Redis is served from memory, in ms, while the invalidation
   * channel is connected. A revocation or expiry change reaches every instance through pub/sub
   * at once; this is the bound if that message is lost. Default 5000.
   */
  ttlMs?: number;
  /**
   * When Redis fails, a record read from Redis less than this many ms ago is still served (it
   * was active then). 0 turns this off. Default 30000.
   */
  staleIfErrorMs?: number;
  /** Most records kept. Default 10000. */
  maxEntries?: number;
}

export interface RedisApiKeyStoreOptions extends RedisStoreOptions {
  /** The in-process cache of active records; `false` reads Redis on every verification. */
  cache?: ApiKeyCacheOptions | false;
  /** Usage (`recordUse`) is summed in memory and written at most this often, in ms. Default 1000. */
  usageFlushMs?: number;
}

// One hash per key: `v` (format), `rec` (the immutable fields as JSON), and the fields that change
// as numbers of their own, so that Lua scripts update them without re-encoding JSON. Each script
// touches one key; the invalidation channel is an argument, not a key (a classic channel is not
// slotted, and on a Cluster a PUBLISH reaches every node), so no script can be CROSSSLOT.
const CREATE = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`);

const REVOKE = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1]) == 1 then
  redis.call('PUBLISH', ARGV[3], ARGV[2])
end
return 1`);

const EXPIRE = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'expiresAt')
if not current or tonumber(ARGV[1]) < tonumber(current) then
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[1])
  redis.call('PUBLISH', ARGV[3], ARGV[2])
end
return 1`);

const USE = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'useCount', ARGV[1])
local last = redis.call('HGET', KEYS[1], 'lastUsedAt')
if not last or tonumber(ARGV[2]) > tonumber(last) then
  redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[2])
end
return 1`);

const FIELDS = ['v', 'rec', 'expiresAt', 'revokedAt', 'lastUsedAt', 'useCount'] as const;

interface Cached {
  record: ApiKeyRecord;
  readAt: number;
}

const num = (v: string | null | undefined) =>
  v === null || v === undefined ? undefined : Number(v);

function freeze(record: ApiKeyRecord): ApiKeyRecord {
  return Object.freeze({
    ...record,
    scopes: Object.freeze([...record.scopes]),
    metadata: Object.freeze({ ...record.metadata }),
  });
}

/**
 * API key records in Redis: a hash per key (`<prefix>apikey:<id>`) and a sorted set per owner
 * (`<prefix>apikey-owner:<owner>`). Active records just read are kept in a small in-process cache;
 * `revoke` and `expire` publish the id on `<prefix>apikey:invalidate`, and every store subscribed
 * there drops it, so a revocation applies everywhere within milliseconds (bounds in the README).
 */
export class RedisApiKeyStore implements ApiKeyStore {
  readonly #conn: Connection;
  readonly #cache = new Map<string, Cached>();
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #maxEntries: number;
  readonly #channel: string;
  readonly #subscription: { close(): Promise<void> } | undefined;
  readonly #usageFlushMs: number;
  #subscribed = false;
  // Bumped on every invalidation: a read that overlapped one is not cached.
  #generation = 0;
  #usage = new Map<string, { count: number; last: number }>();
  #usageTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: RedisApiKeyStoreOptions) {
    this.#conn = new Connection(options);
    const cache = options.cache === false ? undefined : (options.cache ?? {});
    this.#ttlMs = cache ? (cache.ttlMs ?? 5_000) : 0;
    this.#staleMs = cache ? (cache.staleIfErrorMs ?? 30_000) : 0;
    this.#maxEntries = cache ? (cache.maxEntries ?? 10_000) : 0;
    this.#usageFlushMs = options.usageFlushMs ?? 1_000;
    this.#channel = this.#conn.key('apikey', 'invalidate');
    if (cache && (this.#ttlMs > 0 || this.#staleMs > 0)) {
      this.#subscription = this.#conn.subscribe(this.#channel, {
        message: (id) => this.#invalidate(id),
        // Subscribed (again): messages sent meanwhile are lost, so the whole cache goes.
        up: () => {
          if (this.#closed) return;
          this.#clear();
          this.#subscribed = true;
        },
        // Down: no fresh hits (an invalidation could be missed); records stay for staleIfErrorMs.
        down: () => {
          this.#subscribed = false;
        },
      });
    }
  }

  /** Whether the invalidation channel is subscribed (the cache is only served fresh then). */
  get invalidationConnected(): boolean {
    return this.#subscribed;
  }

  /** Resolves once the invalidation channel is subscribed (or after `timeoutMs`). */
  async ready(timeoutMs = 5_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.#subscribed && this.#subscription && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    return this.#subscribed || !this.#subscription;
  }

  #key(id: string) {
    return this.#conn.key('apikey', id);
  }

  #ownerKey(owner: string) {
    return this.#conn.key('apikey-owner', owner);
  }

  #invalidate(id: string) {
    this.#generation++;
    this.#cache.delete(id);
  }

  #clear() {
    this.#generation++;
    this.#cache.clear();
  }

  #remember(record: ApiKeyRecord, readAt: number) {
    const active =
      record.revokedAt === undefined &&
      (record.expiresAt === undefined || record.expiresAt > readAt);
    if (!active) {
      this.#cache.delete(record.id);
      return;
    }
    this.#cache.delete(record.id);
    this.#cache.set(record.id, { record, readAt });
    if (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }

  #parse(values: (string | null)[]): ApiKeyRecord | undefined {
    const [v, rec, expiresAt, revokedAt, lastUsedAt, useCount] = values;
    if (rec === null || rec === undefined) return undefined;
    checkVersion(v, 'API key record');
    const base = JSON.parse(rec) as ApiKeyRecord;
    const record: Record<string, unknown> = { ...base };
    const extra = {
      expiresAt: num(expiresAt),
      revokedAt: num(revokedAt),
      lastUsedAt: num(lastUsedAt),
      useCount: num(useCount),
    };
    for (const [k, value] of Object.entries(extra)) if (value !== undefined) record[k] = value;
    return freeze(record as unknown as ApiKeyRecord);
  }

  async #read(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#conn.run('apiKeys.find', async () =>
      this.#parse(await this.#conn.client.hmget(this.#key(id), ...FIELDS)),
    );
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const now = this.#conn.now();
    const cached = this.#cache.get(id);
    if (cached && this.#subscribed && now - cached.readAt < this.#ttlMs) return cached.record;
    const generation = this.#generation;
    try {
      const record = await this.#read(id);
      if (record === undefined) this.#cache.delete(id);
      else if (this.#maxEntries > 0 && generation === this.#generation) this.#remember(record, now);
      return record;
    } catch (error) {
      const stale = this.#cache.get(id);
      if (stale && this.#conn.now() - stale.readAt < this.#staleMs) {
        this.#conn.onError(error);
        return stale.record;
      }
      throw error;
    }
  }

  async create(record: ApiKeyRecord): Promise<void> {
    if (typeof record?.id !== 'string' || record.id === '')
      throw new TypeError('RedisApiKeyStore: a record needs an id');
    const { expiresAt, revokedAt, lastUsedAt, useCount, ...base } = record;
    const rec = JSON.stringify({
      ...base,
      scopes: [...record.scopes],
      metadata: { ...record.metadata },
    });
    const args: (string | number)[] = ['v', FORMAT_VERSION, 'rec', rec];
    const optional = { expiresAt, revokedAt, lastUsedAt, useCount };
    for (const [k, value] of Object.entries(optional))
      if (value !== undefined && value !== null) args.push(k, value);
    const created = await this.#conn.run('apiKeys.create', async () => {
      const done = await this.#conn.script(CREATE, [this.#key(record.id)], args);
      if (done === 1)
        await this.#conn.client.zadd(this.#ownerKey(record.owner), record.createdAt, record.id);
      return done === 1;
    });
    if (!created) throw new Error(`RedisApiKeyStore: key id ${record.id} already exists`);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.#invalidate(id);
    const done = await this.#conn.run('apiKeys.revoke', () =>
      this.#conn.script(REVOKE, [this.#key(id)], [at, id, this.#channel]),
    );
    this.#invalidate(id);
    return done === 1;
  }

  async expire(id: string, at: number): Promise<boolean> {
    this.#invalidate(id);
    const done = await this.#conn.run('apiKeys.expire', () =>
      this.#conn.script(EXPIRE, [this.#key(id)], [at, id, this.#channel]),
    );
    this.#invalidate(id);
    return done === 1;
  }

  async listByOwner(owner: string): Promise<ApiKeyRecord[]> {
    return this.#conn.run('apiKeys.listByOwner', async () => {
      const ids = await this.#conn.client.zrange(this.#ownerKey(owner), '0', '-1');
      if (ids.length === 0) return [];
      const replies = await this.#conn.batch(
        ids.map((id) => (pipeline) => pipeline.hmget(this.#key(id), ...FIELDS)),
      );
      const out: ApiKeyRecord[] = [];
      for (const values of replies) {
        const record = this.#parse(values as (string | null)[]);
        if (record && record.owner === owner) out.push(record);
      }
      return out.sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  /**
   * Counted in memory and written in one pipeline per `usageFlushMs`. Never rejects; a batch
   * that Redis refuses is reported to `onError` and lost (the interface allows a lossy count).
   */
  async recordUse(id: string, at: number): Promise<void> {
    if (this.#closed) return;
    const entry = this.#usage.get(id);
    if (entry) {
      entry.count++;
      if (at > entry.last) entry.last = at;
    } else this.#usage.set(id, { count: 1, last: at });
    if (this.#usage.size >= 1_000) void this.flushUsage();
    else if (!this.#usageTimer) {
      this.#usageTimer = setTimeout(() => void this.flushUsage(), this.#usageFlushMs);
      this.#usageTimer.unref?.();
    }
  }

  /** Writes the usage counted so far. Never rejects. */
  async flushUsage(): Promise<void> {
    clearTimeout(this.#usageTimer);
    this.#usageTimer = undefined;
    if (this.#usage.size === 0) return;
    const batch = this.#usage;
    this.#usage = new Map();
    try {
      await this.#conn.run('apiKeys.recordUse', () =>
        this.#conn.batch(
          [...batch].map(
            ([id, { count, last }]) =>
              (pipeline) =>
                pipeline.eval(USE.source, 1, this.#key(id), String(count), String(last)),
          ),
        ),
      );
    } catch (error) {
      this.#conn.onError(error);
    }
  }

  /** Writes pending usage, unsubscribes and closes the connections the store opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flushUsage();
    this.#closed = true;
    this.#subscribed = false;
    this.#cache.clear();
    await this.#subscription?.close();
    await this.#conn.close();
  }
}
