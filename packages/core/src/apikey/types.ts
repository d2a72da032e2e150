/**
 * What a store keeps about one API key: never the key itself, only the SHA-256 of its secret.
 *
 * Plain, JSON-serialisable data so that a Redis hash or a SQL row holds it as is: every time is
 * **epoch milliseconds** (a number), absent optional fields are left out (not `null`), and
 * `metadata` holds strings only.
 */
export interface ApiKeyRecord {
  /** The public id: 12 base62 characters, the middle part of the key. Unique in a store. */
  readonly id: string;
  /** The prefix the key was issued with, e.g. `sk_live`. */
  readonly prefix: string;
  /** SHA-256 of the secret, base64url without padding (43 characters). */
  readonly hash: string;
  /** Something safe to show in a dashboard: the prefix and the start of the id, e.g. `sk_live_4fTq9a...`. */
  readonly hint: string;
  /** The application or account the key belongs to. */
  readonly owner: string;
  readonly scopes: readonly string[];
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; the key is refused from this instant on. Absent: never expires. */
  readonly expiresAt?: number;
  /** Epoch ms; set once by `revoke`. A revoked key is refused. */
  readonly revokedAt?: number;
  /** Epoch ms of the last successful verification, kept by `recordUse`. */
  readonly lastUsedAt?: number;
  /** Successful verifications so far, kept by `recordUse`. */
  readonly useCount?: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Where API key records live. Every method is async (`find` and `recordUse` may also answer at
 * once) and deals in plain records, so the same
 * interface fits memory, Redis (a hash per key plus a set per owner) and a SQL table (a row per
 * key, an index on `owner`).
 */
export interface ApiKeyStore {
  /**
   * The record of this id, or `undefined`. Called once per verification. A store that answers
   * from memory may return the record itself: verification then needs no promise at all.
   */
  find(id: string): Promise<ApiKeyRecord | undefined> | ApiKeyRecord | undefined;
  /** Stores a new record; rejects if the id is taken. */
  create(record: ApiKeyRecord): Promise<void>;
  /** Sets `revokedAt` (kept if already set). `false` when the id is unknown. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Brings `expiresAt` forward to `at` (an earlier expiry is kept). `false` when unknown. */
  expire(id: string, at: number): Promise<boolean>;
  /** Every record of an owner, revoked and expired ones included, oldest first. */
  listByOwner(owner: string): Promise<ApiKeyRecord[]>;
  /**
   * Sets `lastUsedAt` and adds one to `useCount`. Verification calls it without waiting and
   * ignores its failures, so it may be slow, batched or lossy; one kept in memory may return
   * nothing rather than a promise.
   */
  recordUse(id: string, at: number): Promise<void> | void;
}
