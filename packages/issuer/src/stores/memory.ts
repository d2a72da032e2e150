import { BoundedCache } from '@authcore/core/adapter';
import type {
  CodeRecord,
  CodeStore,
  Consumed,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationStore,
  TrackedAccessToken,
} from './types.js';
import { MAX_TRACKED_ACCESS_TOKENS } from './types.js';

export interface MemoryStoreOptions {
  /** Clock in epoch milliseconds; entries are dropped once past their expiry by it. */
  now?: () => number;
}

// Expiry is the only bound: forgetting a live code, family or revocation would fail open.
const expiring = <V>(now: () => number) =>
  new BoundedCache<string, V>({ maxEntries: 'expiry', now });

/** The value under `key`, created if absent; its deadline becomes the later of the two. */
function upsert<V>(
  map: BoundedCache<string, { value: V; until: number }>,
  key: string,
  create: () => V,
  until: number,
): V {
  const entry = map.get(key);
  const value = entry?.value ?? create();
  const later = Math.max(entry?.until ?? 0, until);
  map.set(key, { value, until: later }, later);
  return value;
}

// Records are copied in and out, as a real store would serialise them.
const copy = <T>(value: T): T => structuredClone(value);

function consumeEntry<R>(entry: { record: R; usedAt?: number }, now: number): Consumed<R> {
  const alreadyUsed = entry.usedAt !== undefined;
  entry.usedAt ??= now;
  return { record: copy(entry.record), alreadyUsed, usedAt: entry.usedAt };
}

/** What a memory store holds now (for monitoring and tests): expired entries not yet swept count. */
export interface Sized {
  readonly size: number;
}

/** In-memory authorization codes for one process, each kept until its `retainUntil`. */
export function memoryCodeStore(options: MemoryStoreOptions = {}): CodeStore & Sized {
  const codes = expiring<{ record: CodeRecord; usedAt?: number }>(options.now ?? Date.now);
  return {
    async save(record) {
      codes.set(record.codeHash, { record: copy(record) }, record.retainUntil);
    },
    async consume(codeHash, now): Promise<Consumed<CodeRecord> | undefined> {
      // No await between the read and the write: atomic within the event loop.
      const entry = codes.get(codeHash);
      return entry && consumeEntry(entry, now);
    },
    get size() {
      return codes.size;
    },
  };
}

interface Family {
  /** The grant and its current token; absent for a family only marked (revoked before any token). */
  record?: RefreshTokenRecord;
  currentUsedAt?: number;
  previousHash?: string;
  previousUsedAt?: number;
  revoked: boolean;
  accessTokens: Map<string, number>;
}

/** Drops expired tracked tokens; returns the oldest beyond the bound, removed. */
function pruneTracked(tracked: Map<string, number>, now: number): TrackedAccessToken[] {
  for (const [jti, exp] of tracked) if (exp <= now) tracked.delete(jti);
  if (tracked.size <= MAX_TRACKED_ACCESS_TOKENS) return [];
  const oldest = [...tracked]
    .sort((a, b) => a[1] - b[1])
    .slice(0, tracked.size - MAX_TRACKED_ACCESS_TOKENS);
  for (const [jti] of oldest) tracked.delete(jti);
  return oldest.map(([jti, expiresAt]) => ({ jti, expiresAt }));
}

/** In-memory refresh-token families for one process: one entry per family, however often it rotates. */
export function memoryRefreshTokenStore(
  options: MemoryStoreOptions = {},
): RefreshTokenStore & Sized {
  const now = options.now ?? Date.now;
  const families = expiring<{ value: Family; until: number }>(now);
  const family = (familyId: string, until: number): Family =>
    upsert(families, familyId, () => ({ revoked: false, accessTokens: new Map() }), until);
  const live = (familyId: string, at: number) => {
    const f = families.get(familyId)?.value;
    return f?.record && f.record.expiresAt > at
      ? (f as Family & { record: RefreshTokenRecord })
      : undefined;
  };
  return {
    async save(record) {
      const f = family(record.familyId, record.expiresAt);
      if (f.record && f.record.tokenHash !== record.tokenHash) {
        f.previousHash = f.record.tokenHash;
        f.previousUsedAt = f.currentUsedAt ?? now();
      }
      f.record = copy(record);
      f.currentUsedAt = undefined;
    },
    async consume(familyId, tokenHash, at) {
      // No await between the read and the write: atomic within the event loop.
      const f = live(familyId, at);
      if (!f) return undefined;
      const record = copy(f.record);
      if (tokenHash === f.record.tokenHash) {
        const alreadyUsed = f.currentUsedAt !== undefined;
        f.currentUsedAt ??= at;
        return { record, alreadyUsed, usedAt: f.currentUsedAt };
      }
      const usedAt = tokenHash === f.previousHash ? (f.previousUsedAt ?? 0) : 0;
      return { record, alreadyUsed: true, usedAt };
    },
    async find(familyId, tokenHash) {
      const f = live(familyId, now());
      if (!f) return undefined;
      const used = tokenHash !== f.record.tokenHash || f.currentUsedAt !== undefined;
      return { record: copy(f.record), used };
    },
    async trackAccessToken(familyId, token, familyExpiresAt) {
      const f = family(familyId, Math.max(familyExpiresAt, token.expiresAt));
      if (f.revoked) return false;
      f.accessTokens.set(token.jti, token.expiresAt);
      return pruneTracked(f.accessTokens, now());
    },
    async revokeFamily(familyId, until): Promise<TrackedAccessToken[]> {
      const f = family(familyId, until);
      f.revoked = true;
      const tracked = [...f.accessTokens].map(([jti, expiresAt]) => ({ jti, expiresAt }));
      f.accessTokens.clear();
      return tracked;
    },
    async isFamilyRevoked(familyId) {
      return families.get(familyId)?.value.revoked === true;
    },
    get size() {
      return families.size;
    },
  };
}

/** In-memory revoked `jti`s for one process. */
export function memoryRevocationStore(options: MemoryStoreOptions = {}): RevocationStore {
  const revoked = expiring<true>(options.now ?? Date.now);
  return {
    async revoke(jti, expiresAt) {
      revoked.set(jti, true, expiresAt);
    },
    async isRevoked(jti) {
      return revoked.get(jti) === true;
    },
  };
}
