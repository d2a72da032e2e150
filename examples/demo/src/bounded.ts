import { randomBytes } from 'node:crypto';

export interface BoundedStoreOptions {
  /** How long an entry lives, the same for every entry (so insertion order is expiry order). */
  ttlMs: number;
  /** Entries in all. */
  maxEntries: number;
  /** Live entries one client address may hold. */
  maxPerOwner: number;
}

/** Why an entry was not added, and when to try again. */
export interface Refusal {
  reason: 'owner_full' | 'store_full';
  retryAfterSeconds: number;
}

/**
 * Short-lived server-side state (pending logins, browser sessions) under random 256-bit ids,
 * bounded in total and per client address. A full store refuses new entries and never evicts
 * live ones: a client can use up only its own quota, not push other clients' entries out.
 */
export class BoundedStore<V> {
  readonly #options: BoundedStoreOptions;
  readonly #entries = new Map<string, { owner: string; value: V; expiresAt: number }>();
  /** Each owner's live ids, oldest first. */
  readonly #owners = new Map<string, Set<string>>();

  constructor(options: BoundedStoreOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(owner: string, value: V, now = Date.now()): { id: string } | Refusal {
    this.#sweep(now);
    const mine = this.#owners.get(owner);
    if (mine && mine.size >= this.#options.maxPerOwner)
      return {
        reason: 'owner_full',
        retryAfterSeconds: this.#retryAfter(mine.values().next().value!, now),
      };
    if (this.#entries.size >= this.#options.maxEntries)
      return {
        reason: 'store_full',
        retryAfterSeconds: this.#retryAfter(this.#entries.keys().next().value!, now),
      };
    const id = randomBytes(32).toString('base64url');
    this.#entries.set(id, { owner, value, expiresAt: now + this.#options.ttlMs });
    if (mine) mine.add(id);
    else this.#owners.set(owner, new Set([id]));
    return { id };
  }

  get(id: string, now = Date.now()): V | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.value;
    this.delete(id);
    return undefined;
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    const mine = this.#owners.get(entry.owner)!;
    mine.delete(id);
    if (mine.size === 0) this.#owners.delete(entry.owner);
  }

  #retryAfter(id: string, now: number): number {
    return Math.max(1, Math.ceil((this.#entries.get(id)!.expiresAt - now) / 1000));
  }

  /** Expired entries are at the front (one TTL for all): stop at the first live one. */
  #sweep(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) return;
      this.delete(id);
    }
  }
}
