interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A map bounded in entries whose values expire at their own time, with approximate LRU eviction
 * in two generations: hits in the young generation cost one `Map.get` and mutate nothing (the
 * hot path of a cached token); hits in the old one move the entry up; when the young generation
 * is full it becomes the old one and the previous old one is dropped whole.
 */
export class ExpiringLru<V> {
  readonly #half: number;
  readonly #single: boolean;
  #young = new Map<string, Entry<V>>();
  #old = new Map<string, Entry<V>>();

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('cache size must be a positive integer');
    }
    this.#single = maxEntries === 1;
    this.#half = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: string, now: number): V | undefined {
    let entry = this.#young.get(key);
    if (entry === undefined) {
      entry = this.#old.get(key);
      if (entry === undefined) return undefined;
      this.#old.delete(key);
      if (entry.expiresAt <= now) return undefined;
      this.#insert(key, entry);
      return entry.value;
    }
    if (entry.expiresAt <= now) {
      this.#young.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.#young.delete(key);
    this.#old.delete(key);
    this.#insert(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  #insert(key: string, entry: Entry<V>): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#single ? new Map() : this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, entry);
  }
}
