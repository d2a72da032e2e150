import type { KeyStore, StoredKeySet } from '@authcore/issuer';
import {
  Connection,
  checkVersion,
  FORMAT_VERSION,
  RedisStoreError,
  type RedisStoreOptions,
  script,
} from './connection.js';

// One hash, `<prefix>issuer-keys`: `v` (format), `version` (the compare-and-set token) and `keys`
// (JSON: kid, activatesAt, createdAt and the private key as the issuer sealed it). One key, one
// script: atomic on one server and on a Cluster.
const COMPARE_AND_SET = script(`
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'version', ARGV[3], 'keys', ARGV[4])
return 1`);

/**
 * The issuer's signing keys shared by every instance (`stores.keys` of `createIssuer`): one hash
 * under `<prefix>issuer-keys`, replaced only by compare-and-set, so two instances rotating at
 * once leave one new key. Private keys arrive sealed by the issuer (AES-256-GCM under its
 * `keyEncryptionKey`); this store never sees them in clear. The hash has no TTL.
 *
 * Redis failing: `get` and `compareAndSet` reject; the issuer keeps its last view of the keys for
 * as long as that is safe (see the issuer's README) and refuses to sign after.
 */
export class RedisKeyStore implements KeyStore {
  readonly #conn: Connection;

  constructor(options: RedisStoreOptions) {
    this.#conn = new Connection(options);
  }

  #key() {
    return this.#conn.key('issuer-keys');
  }

  async get(): Promise<StoredKeySet | undefined> {
    const [v, version, keys] = await this.#conn.run('keys.get', () =>
      this.#conn.client.hmget(this.#key(), 'v', 'version', 'keys'),
    );
    if (keys === null || keys === undefined) return undefined;
    checkVersion(v, 'issuer key set');
    const parsed = JSON.parse(keys) as unknown;
    if (!Array.isArray(parsed) || !Number.isSafeInteger(Number(version)))
      throw new RedisStoreError('keys.get: malformed issuer key set', 'format');
    return { version: Number(version), keys: parsed };
  }

  async compareAndSet(expected: number, next: StoredKeySet): Promise<boolean> {
    if (!Number.isSafeInteger(next?.version) || next.version <= expected)
      throw new TypeError('RedisKeyStore: the next version must be greater than the expected one');
    const written = await this.#conn.run('keys.compareAndSet', () =>
      this.#conn.script(
        COMPARE_AND_SET,
        [this.#key()],
        [expected, FORMAT_VERSION, next.version, JSON.stringify(next.keys)],
      ),
    );
    return Number(written) === 1;
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
