/**
 * The issuer's signing keys, shared by every instance through a `KeyStore`. A store only ever
 * holds private keys sealed by the issuer (AES-256-GCM under the host's `keyEncryptionKey`), never
 * in clear; public keys are derived from the private ones when opened, so a store cannot slip in
 * a public key of its own.
 */

/** One signing key as stored. */
export interface StoredSigningKey {
  kid: string;
  /** It signs from this time (epoch ms) until the next newer key's `activatesAt`. */
  activatesAt: number;
  createdAt: number;
  /**
   * The private JWK sealed by the issuer: `v1.<iv>.<ciphertext>` (base64url), AES-256-GCM with a
   * random 96-bit IV and the `kid` as additional data.
   */
  sealed: string;
}

/** The key set: newest first. */
export interface StoredKeySet {
  /** Grows with every write: the compare-and-set token. */
  version: number;
  keys: StoredSigningKey[];
}

export interface KeyStore {
  /** The stored key set, or `undefined` when none was ever stored (or it was lost). */
  get(): Promise<StoredKeySet | undefined>;
  /**
   * Atomically replaces the key set with `next` if the stored version is still `expected` (0 when
   * nothing is stored); `false` when another writer got there first. `next.version > expected`.
   */
  compareAndSet(expected: number, next: StoredKeySet): Promise<boolean>;
}

/**
 * A key store in this process's memory: the default (one instance), or shared by issuers created
 * in one process. Across processes use a shared store (`RedisKeyStore` in `@authcore/redis`).
 */
export function memoryKeyStore(): KeyStore {
  let stored: StoredKeySet | undefined;
  const copy = (set: StoredKeySet): StoredKeySet => ({
    version: set.version,
    keys: set.keys.map((k) => ({ ...k })),
  });
  return {
    async get() {
      return stored && copy(stored);
    },
    async compareAndSet(expected, next) {
      if ((stored?.version ?? 0) !== expected) return false;
      stored = copy(next);
      return true;
    },
  };
}
