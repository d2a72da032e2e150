interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export interface BoundedCacheOptions {
  /**
   * Most entries held, a positive integer. `'expiry'` only where forgetting a live entry would
   * fail open (a revocation list): every entry then has an expiry, its only bound.
   */
  maxEntries: number | 'expiry';
  /** Clock in epoch ms, read for expiry. Default `Date.now`. */
  now?: () => number;
}

/**
 * The one cache of authcore: a map bounded in entries, each with an optional expiry (epoch ms).
 * One eviction rule: age is insertion order (a write counts as new), and an insert into a full
 * cache drops expired entries from the oldest end, then, if still full, the oldest live one.
 * A hit is one `Map.get` and moves nothing (the cached-token path); an entry in use is simply
 * recomputed once it has become the oldest. Expired entries also go when looked up, and in one
 * pass once as many inserts were made as the cache held at the last: amortised O(1) per insert.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #max: number;
  readonly #now: () => number;
  #inserts = 0;
  #sweepAfter = 16;

  constructor(options: BoundedCacheOptions) {
    const max = options.maxEntries;
    if (max !== 'expiry' && !(Number.isSafeInteger(max) && max >= 1))
      throw new TypeError('cache size (`maxEntries`) must be a positive integer');
    this.#max = max === 'expiry' ? Number.POSITIVE_INFINITY : max;
    this.#now = options.now ?? Date.now;
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== Number.POSITIVE_INFINITY && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (epoch ms; default never), as the newest entry. */
  set(key: K, value: V, expiresAt: number = Number.POSITIVE_INFINITY): void {
    const entries = this.#entries;
    entries.delete(key);
    if (++this.#inserts >= this.#sweepAfter) this.#sweep();
    if (entries.size >= this.#max) this.#makeRoom();
    entries.set(key, { value, expiresAt });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  // A pass costs the entries held, paid for by as many inserts since the last one.
  #sweep(): void {
    const t = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= t) this.#entries.delete(key);
    this.#inserts = 0;
    this.#sweepAfter = Math.max(16, this.#entries.size);
  }

  // From the oldest: expired entries, then the first live one if still full.
  #makeRoom(): void {
    const t = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > t && this.#entries.size < this.#max) return;
      this.#entries.delete(key);
      if (entry.expiresAt > t) return;
    }
  }
}
