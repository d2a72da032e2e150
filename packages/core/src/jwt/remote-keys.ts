import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { type FetchLike, fetchJson } from '../lib/fetch-json.js';
import type { EventHub } from '../observe/events.js';
import { KeySourceUnavailable } from './failure.js';
import { type KeyMemo, keyMemo, selectionOf } from './key-memo.js';

export interface RemoteKeysOptions {
  /** How long fetched keys are used before a refresh. Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** Least time between two fetches caused by an unknown `kid`. Default 30 seconds. */
  cooldownMs?: number;
  /** Deadline of one fetch, body included. Default 5 seconds. */
  timeoutMs?: number;
  /** Largest JWKS body accepted. Default 64 KiB. */
  maxResponseBytes?: number;
  /** How long the last good keys serve while refreshes fail. Default 1 hour. */
  staleIfErrorMs?: number;
  /**
   * With no keys yet, how long after a failed fetch requests are refused without fetching
   * again, so a down endpoint is not hit by every request. Default 1 second.
   */
  retryAfterFailureMs?: number;
  headers?: Record<string, string>;
}

interface Snapshot {
  resolve: JWTVerifyGetKey;
  fetchedAt: number;
  /** What `resolve` chose, per (alg, kid), for these keys only. */
  memo: KeyMemo;
}

/**
 * Keys from a remote JWKS. One fetch is shared by concurrent requests, an unknown `kid` refetches
 * at most once per cooldown, and when the endpoint fails the last good keys keep serving for a
 * bounded time. Key selection itself is jose's.
 */
export function remoteKeyResolver(
  url: string | (() => Promise<string>),
  options: RemoteKeysOptions & {
    fetch?: FetchLike | undefined;
    now?: () => number;
    hub?: EventHub;
  },
): JWTVerifyGetKey & { refresh(): Promise<void>; warmup(): Promise<void> } {
  const cacheMaxAge = options.cacheMaxAgeMs ?? 600_000;
  const cooldown = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxResponseBytes ?? 65_536;
  const staleIfError = options.staleIfErrorMs ?? 3_600_000;
  const retryAfterFailure = options.retryAfterFailureMs ?? 1_000;
  const now = options.now ?? Date.now;
  const hub = options.hub;

  let current: Snapshot | undefined;
  let pending: Promise<Snapshot> | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let lastFailure: { at: number; error: unknown } | undefined;

  const load = (): Promise<Snapshot> => {
    pending ??= (async () => {
      lastAttempt = now();
      try {
        const target = typeof url === 'string' ? url : await url();
        const body = await fetchJson(target, {
          fetch: options.fetch,
          timeoutMs,
          maxBytes,
          headers: options.headers,
        });
        // A JWKS without keys is a broken endpoint, not a rotation to every token being unknown.
        const keys = (body as { keys?: unknown } | null)?.keys;
        if (!Array.isArray(keys) || keys.length === 0) throw new Error('JWKS has no keys');
        current = {
          resolve: createLocalJWKSet(body as never),
          fetchedAt: now(),
          memo: keyMemo(),
        };
        lastFailure = undefined;
        if (hub?.active) hub.emit({ type: 'jwks_fetch', ok: true });
        return current;
      } catch (error) {
        lastFailure = { at: now(), error };
        if (hub?.active) hub.emit({ type: 'jwks_fetch', ok: false, error });
        // The next fetch: after the cooldown with keys in hand, else after `retryAfterFailure`.
        throw new KeySourceUnavailable(
          'JWKS fetch failed',
          current ? cooldown : retryAfterFailure,
          error,
        );
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  const usable = async (): Promise<Snapshot> => {
    const t = now();
    if (current && t - current.fetchedAt < cacheMaxAge) return current;
    if (!current && !pending && lastFailure && t - lastFailure.at < retryAfterFailure) {
      throw new KeySourceUnavailable(
        'JWKS unavailable (last fetch failed)',
        lastFailure.at + retryAfterFailure - t,
        lastFailure.error,
      );
    }
    // Stale or missing: refresh, but serve the last good keys while the endpoint fails.
    const withinStale = current !== undefined && t - current.fetchedAt < cacheMaxAge + staleIfError;
    if (current && t - lastAttempt < cooldown) {
      // A refresh ran (and failed) within the cooldown. The last good keys serve only within
      // `staleIfErrorMs`: past it they are refused too, not served for as long as the endpoint
      // keeps failing (each failed attempt restarted the cooldown).
      if (withinStale) return current;
      if (!pending)
        throw new KeySourceUnavailable(
          'JWKS expired and its last refresh failed',
          lastAttempt + cooldown - t,
          lastFailure?.error,
        );
    }
    try {
      return await load();
    } catch (error) {
      if (current && withinStale) return current;
      throw error;
    }
  };

  const select = async (...args: Parameters<JWTVerifyGetKey>) => {
    const snapshot = await usable();
    try {
      const key = await snapshot.resolve(...args);
      const selection = selectionOf(args[0]);
      if (selection !== undefined) snapshot.memo.set(selection, key);
      return key;
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || now() - lastAttempt < cooldown)
        throw error;
      // An unknown kid may be a rotation we have not seen yet: refetch, once per cooldown.
      const fresh = await load();
      return fresh.resolve(...args);
    }
  };
  // Fresh keys and a known (alg, kid): the key at once, without a promise.
  const resolver: JWTVerifyGetKey = (header, token) => {
    const snapshot = current;
    const selection = selectionOf(header);
    const known =
      snapshot !== undefined && selection !== undefined && now() - snapshot.fetchedAt < cacheMaxAge
        ? snapshot.memo.get(selection)
        : undefined;
    return known ?? select(header, token);
  };
  return Object.assign(resolver, {
    refresh: async () => void (await load()),
    // Keys in hand, fetched if need be: fresh keys are not refetched, nor a down endpoint
    // hit again within `retryAfterFailureMs` (a readiness probe may call this often).
    warmup: async () => void (await usable()),
  }) as JWTVerifyGetKey & {
    refresh(): Promise<void>;
    warmup(): Promise<void>;
  };
}
