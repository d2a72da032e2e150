import { createHash } from 'node:crypto';
import type { JwtClaims, JwtPrincipal, ReplayStore } from '@authcore/core';
import type { RevocationStore } from '@authcore/issuer';
import { Connection, FORMAT_VERSION, type RedisStoreOptions, ttlUntil } from './connection.js';

/**
 * Revoked access-token `jti`s: one key per token (`<prefix>revoked:<jti>`) that Redis drops when
 * the token would have expired anyway. Implements the issuer's `RevocationStore`; pass
 * `jwtRevocationCheck(store)` as the core `jwt` scheme's `isRevoked`.
 *
 * Redis failing: `revoke` rejects (nothing was recorded, so the caller must not report success);
 * `isRevoked` answers `true`, so the token is refused (fail closed).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #conn: Connection;

  constructor(options: RedisStoreOptions) {
    this.#conn = new Connection(options);
  }

  #key(jti: string) {
    return this.#conn.key('revoked', jti);
  }

  async revoke(jti: string, expiresAt: number): Promise<void> {
    const ttl = ttlUntil(expiresAt, this.#conn.now());
    if (ttl === undefined) return; // already expired: nothing to remember
    await this.#conn.run('revocations.revoke', () =>
      this.#conn.client.set(this.#key(jti), FORMAT_VERSION, 'PX', ttl),
    );
  }

  async isRevoked(jti: string): Promise<boolean> {
    try {
      return (
        (await this.#conn.run('revocations.isRevoked', () =>
          this.#conn.client.exists(this.#key(jti)),
        )) === 1
      );
    } catch (error) {
      this.#conn.onError(error);
      return true;
    }
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

/**
 * The core `jwt` scheme's `isRevoked` hook on a revocation store: a token with a `jti` listed
 * there is refused (and, with `RedisRevocationStore`, every token while Redis is unreachable).
 * A token without a `jti` cannot be revoked this way and passes.
 */
export function jwtRevocationCheck<Claims = JwtClaims>(
  store: Pick<RevocationStore, 'isRevoked'>,
): (principal: JwtPrincipal<Claims>) => Promise<boolean> {
  return async (principal) => {
    const jti = (principal.claims as { jti?: unknown } | undefined)?.jti;
    return typeof jti === 'string' && jti !== '' ? store.isRevoked(jti) : false;
  };
}

/**
 * DPoP proof `jti` replay (RFC 9449 §11.1) for the core's `dpop: { replay }` option: one
 * `SET NX PX` per proof under `<prefix>dpop:<sha256 of the key>`, atomic across instances.
 *
 * Redis failing: `claim` answers `false`, so the proof is refused as a replay (fail closed).
 */
export class RedisReplayStore implements ReplayStore {
  readonly #conn: Connection;

  constructor(options: RedisStoreOptions) {
    this.#conn = new Connection(options);
  }

  async claim(key: string, expiresAt: number): Promise<boolean> {
    const id = createHash('sha256').update(key).digest('base64url');
    // Keep it at least a second: a proof accepted now must not be accepted again right after.
    const ttl = Math.max(ttlUntil(expiresAt, this.#conn.now()) ?? 0, 1_000);
    try {
      const set = await this.#conn.run('replay.claim', () =>
        this.#conn.client.set(this.#conn.key('dpop', id), FORMAT_VERSION, 'PX', ttl, 'NX'),
      );
      return set === 'OK';
    } catch (error) {
      this.#conn.onError(error);
      return false;
    }
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

export interface RedisUsageCounterOptions extends RedisStoreOptions {
  /** Name in the key, to keep several counters apart. Default `usage`. */
  name?: string;
  /** Length of one counting window in ms (a fixed window, aligned on the epoch). Default 1 hour. */
  windowMs?: number;
  /** How long a window's counter is kept after the window ends, in ms. Default 7 days. */
  retainMs?: number;
  /** Increments are summed in memory and written at most this often, in ms. Default 1000. */
  flushMs?: number;
}

/**
 * Usage counters per subject (an API key id, a client, a user) and fixed window:
 * `<prefix><name>:<subject>:<window start>`, written with `INCRBY` and `PEXPIRE` in one pipeline
 * per flush. Counting never waits for Redis and never throws; a batch Redis refuses is reported
 * to `onError` and lost. For limits that must hold exactly, use a rate limiter
 * (rate-limiter-flexible's `RateLimiterRedis` on the same client).
 */
export class RedisUsageCounter {
  readonly #conn: Connection;
  readonly #name: string;
  readonly #windowMs: number;
  readonly #retainMs: number;
  readonly #flushMs: number;
  #pending = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RedisUsageCounterOptions) {
    this.#conn = new Connection(options);
    this.#name = options.name ?? 'usage';
    this.#windowMs = options.windowMs ?? 3_600_000;
    this.#retainMs = options.retainMs ?? 7 * 86_400_000;
    this.#flushMs = options.flushMs ?? 1_000;
    if (!(this.#windowMs > 0)) throw new TypeError('RedisUsageCounter: `windowMs` must be > 0');
  }

  #window(at: number) {
    return Math.floor(at / this.#windowMs) * this.#windowMs;
  }

  #key(subject: string, window: number) {
    return this.#conn.key(this.#name, subject, String(window));
  }

  /** Adds `by` to the subject's counter of the current window. */
  increment(subject: string, by = 1): void {
    const key = this.#key(subject, this.#window(this.#conn.now()));
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + by);
    if (this.#pending.size >= 1_000) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref?.();
    }
  }

  /** The subject's count in the window holding `at` (default now), unflushed increments included. */
  async get(subject: string, at = this.#conn.now()): Promise<number> {
    const key = this.#key(subject, this.#window(at));
    const stored = await this.#conn.run('usage.get', () => this.#conn.client.get(key));
    return Number(stored ?? 0) + (this.#pending.get(key) ?? 0);
  }

  /** Writes the pending increments. Never rejects. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    const now = this.#conn.now();
    try {
      await this.#conn.run('usage.flush', () =>
        this.#conn.batch(
          [...batch].map(([key, by]) => {
            const window = Number(key.slice(key.lastIndexOf(':') + 1));
            const ttl = Math.max(window + this.#windowMs + this.#retainMs - now, 1_000);
            return (pipeline) => pipeline.incrby(key, by).pexpire(key, ttl);
          }),
        ),
      );
    } catch (error) {
      this.#conn.onError(error);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#conn.close();
  }
}
