import type {
  CodeRecord,
  CodeStore,
  Consumed,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationStore,
  TrackedAccessToken,
} from './types.js';

export interface MemoryStoreOptions {
  /** Clock in epoch milliseconds; entries are dropped once past their expiry by it. */
  now?: () => number;
}

/** A Map whose entries vanish after their deadline, swept lazily as it grows. */
class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private writes = 0;
  constructor(private readonly now: () => number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, until: number): void {
    if (++this.writes % 256 === 0) this.sweep();
    this.entries.set(key, { value, until });
  }

  /** The value under `key`, created if absent; its deadline becomes the later of the two. */
  upsert(key: string, create: () => V, until: number): V {
    const value = this.get(key) ?? create();
    const current = this.entries.get(key)?.until ?? 0;
    this.set(key, value, Math.max(current, until));
    return value;
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, entry] of this.entries) if (entry.until <= t) this.entries.delete(key);
  }
}

// Records are copied in and out, as a real store would serialise them.
const copy = <T>(value: T): T => structuredClone(value);

function consumeEntry<R>(entry: { record: R; usedAt?: number }, now: number): Consumed<R> {
  const alreadyUsed = entry.usedAt !== undefined;
  entry.usedAt ??= now;
  return { record: copy(entry.record), alreadyUsed, usedAt: entry.usedAt };
}

/** In-memory authorization codes for one process. */
export function memoryCodeStore(options: MemoryStoreOptions = {}): CodeStore {
  const codes = new ExpiringMap<{ record: CodeRecord; usedAt?: number }>(options.now ?? Date.now);
  return {
    async save(record) {
      codes.set(record.codeHash, { record: copy(record) }, record.retainUntil);
    },
    async consume(codeHash, now): Promise<Consumed<CodeRecord> | undefined> {
      // No await between the read and the write: atomic within the event loop.
      const entry = codes.get(codeHash);
      return entry && consumeEntry(entry, now);
    },
  };
}

interface Family {
  revoked: boolean;
  accessTokens: Map<string, number>;
}

/** In-memory refresh tokens and their families for one process. */
export function memoryRefreshTokenStore(options: MemoryStoreOptions = {}): RefreshTokenStore {
  const now = options.now ?? Date.now;
  const tokens = new ExpiringMap<{ record: RefreshTokenRecord; usedAt?: number }>(now);
  const families = new ExpiringMap<Family>(now);
  const family = (familyId: string, until: number): Family =>
    families.upsert(familyId, () => ({ revoked: false, accessTokens: new Map() }), until);
  return {
    async save(record) {
      tokens.set(record.tokenHash, { record: copy(record) }, record.expiresAt);
      family(record.familyId, record.expiresAt);
    },
    async consume(tokenHash, at) {
      const entry = tokens.get(tokenHash);
      return entry && consumeEntry(entry, at);
    },
    async find(tokenHash) {
      const entry = tokens.get(tokenHash);
      return entry && { record: copy(entry.record), used: entry.usedAt !== undefined };
    },
    async trackAccessToken(familyId, token, familyExpiresAt) {
      const f = family(familyId, Math.max(familyExpiresAt, token.expiresAt));
      if (f.revoked) return false;
      const t = now();
      for (const [jti, exp] of f.accessTokens) if (exp <= t) f.accessTokens.delete(jti);
      f.accessTokens.set(token.jti, token.expiresAt);
      return true;
    },
    async revokeFamily(familyId, until): Promise<TrackedAccessToken[]> {
      const f = family(familyId, until);
      f.revoked = true;
      const tracked = [...f.accessTokens].map(([jti, expiresAt]) => ({ jti, expiresAt }));
      f.accessTokens.clear();
      return tracked;
    },
    async isFamilyRevoked(familyId) {
      return families.get(familyId)?.revoked === true;
    },
  };
}

/** In-memory revoked `jti`s for one process. */
export function memoryRevocationStore(options: MemoryStoreOptions = {}): RevocationStore {
  const revoked = new ExpiringMap<true>(options.now ?? Date.now);
  return {
    async revoke(jti, expiresAt) {
      revoked.set(jti, true, expiresAt);
    },
    async isRevoked(jti) {
      return revoked.get(jti) === true;
    },
  };
}
