import { BoundedCache } from '../lib/bounded-cache.js';

/**
 * Remembers DPoP proof `jti`s for as long as a proof could be accepted (RFC 9449 §11.1). Shared
 * across instances through an implementation such as `@authcore/redis`.
 */
export interface ReplayStore {
  /** Records `key` until `expiresAt` (epoch ms); `false` when it was already there. Atomic. */
  claim(key: string, expiresAt: number): Promise<boolean>;
}

/**
 * In-process replay store, bounded. When full it forgets the oldest entry rather than refuse new
 * proofs: refusing would let anyone who fills it (with proofs of their own) lock every client out.
 * The oldest entry is the one closest to the end of its acceptance window, and `maxEntries`
 * (default 100,000) should exceed the proofs accepted in one window (`proofMaxAge` +
 * `clockTolerance`, about a minute) so that nothing forgotten could still be replayed. Use a shared
 * store (`@authcore/redis`) across instances.
 */
export class MemoryReplayStore implements ReplayStore {
  // The cache's rule is this store's: insertion order is claim order, so the first entries are
  // the oldest and (the acceptance window being one length for all) the first to expire.
  readonly #seen: BoundedCache<string, true>;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new TypeError('MemoryReplayStore: `maxEntries` must be a positive integer');
    this.#seen = new BoundedCache({ maxEntries: max, now: options.now });
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#seen.size;
  }

  async claim(key: string, expiresAt: number): Promise<boolean> {
    if (this.#seen.get(key)) return false;
    this.#seen.set(key, true, expiresAt);
    return true;
  }
}
