/**
 * Remembers DPoP proof `jti`s for as long as a proof could be accepted (RFC 9449 §11.1). Shared
 * across instances through an implementation such as `@authcore/redis`.
 */
export interface ReplayStore {
  /** Records `key` until `expiresAt` (epoch ms); `false` when it was already there. Atomic. */
  claim(key: string, expiresAt: number): Promise<boolean>;
}

/**
 * In-process replay store, bounded: when full of live entries it refuses new proofs (fail closed)
 * rather than forget one that could then be replayed.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#max = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  async claim(key: string, expiresAt: number): Promise<boolean> {
    const now = this.#now();
    const until = this.#seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.#seen.size >= this.#max) {
      for (const [k, t] of this.#seen) if (t <= now) this.#seen.delete(k);
      if (this.#seen.size >= this.#max) return false;
    }
    this.#seen.set(key, expiresAt);
    return true;
  }
}
