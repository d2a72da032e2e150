import type { ApiKeyRecord, ApiKeyStore } from './types.js';

interface Entry {
  record: ApiKeyRecord;
  lastUsedAt: number | undefined;
  useCount: number;
}

const freeze = (record: ApiKeyRecord): ApiKeyRecord => {
  const { lastUsedAt: _l, useCount: _u, ...rest } = record;
  return Object.freeze({
    ...rest,
    scopes: Object.freeze([...record.scopes]),
    metadata: Object.freeze({ ...record.metadata }),
  });
};

/**
 * An `ApiKeyStore` in this process's memory: for tests, single-instance servers and keys seeded
 * at start. It keeps copies and hands out frozen ones, so it behaves as a remote store would.
 */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly #entries = new Map<string, Entry>();

  constructor(records: Iterable<ApiKeyRecord> = []) {
    for (const record of records) this.#add(record);
  }

  #add(record: ApiKeyRecord): void {
    if (typeof record?.id !== 'string' || record.id === '')
      throw new TypeError('MemoryApiKeyStore: a record needs an id');
    if (this.#entries.has(record.id))
      throw new Error(`MemoryApiKeyStore: key id ${record.id} already exists`);
    this.#entries.set(record.id, {
      record: freeze(record),
      lastUsedAt: record.lastUsedAt,
      useCount: record.useCount ?? 0,
    });
  }

  #view(entry: Entry): ApiKeyRecord {
    const { record, lastUsedAt, useCount } = entry;
    if (lastUsedAt === undefined) return useCount === 0 ? record : { ...record, useCount };
    return { ...record, lastUsedAt, useCount };
  }

  /** Answers at once (no promise): the API key scheme's hot path then stays synchronous. */
  find(id: string): ApiKeyRecord | undefined {
    const entry = this.#entries.get(id);
    return entry && this.#view(entry);
  }

  async create(record: ApiKeyRecord): Promise<void> {
    this.#add(record);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    if (entry.record.revokedAt === undefined)
      entry.record = Object.freeze({ ...entry.record, revokedAt: at });
    return true;
  }

  async expire(id: string, at: number): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    const current = entry.record.expiresAt;
    if (current === undefined || at < current)
      entry.record = Object.freeze({ ...entry.record, expiresAt: at });
    return true;
  }

  async listByOwner(owner: string): Promise<ApiKeyRecord[]> {
    const out: ApiKeyRecord[] = [];
    for (const entry of this.#entries.values())
      if (entry.record.owner === owner) out.push(this.#view(entry));
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Synchronous, like `find`: verification calls it on every success. */
  recordUse(id: string, at: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.useCount++;
    if (entry.lastUsedAt === undefined || at > entry.lastUsedAt) entry.lastUsedAt = at;
  }
}
