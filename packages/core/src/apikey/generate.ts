import { randomBase62 } from '../lib/base62.js';
import { buildRecord, checkPrefix, checksumOf, ID_LENGTH, SECRET_LENGTH } from './key.js';
import type { ApiKeyRecord } from './types.js';

export interface GenerateApiKeyOptions {
  /** Lower-case words joined by `_`, such as `sk_live` or `sk_test`. Default `sk`. */
  prefix?: string;
  /** The application or account the key belongs to. */
  owner: string;
  /** Scopes granted: a list or one space-delimited string. Default none. */
  scopes?: string | readonly string[];
  /** When the key stops working. Default never. */
  expiresAt?: Date | number;
  /** Strings kept with the record and given to the principal's `claims.metadata`. */
  metadata?: Readonly<Record<string, string>>;
  /** Clock in epoch ms, for `createdAt`. */
  now?: () => number;
}

export interface GeneratedApiKey {
  /** The full key: show it once to its holder, it cannot be recovered from the record. */
  readonly key: string;
  /** What to store (`store.create(record)`): only a SHA-256 of the secret. */
  readonly record: ApiKeyRecord;
}

/**
 * A new API key `<prefix>_<id>_<secret><checksum>`: a random 12-character base62 id, a
 * 24-character base62 secret (142 bits from `crypto.getRandomValues`) and a CRC-32 checksum.
 * Does not store it.
 */
export async function generateApiKey(options: GenerateApiKeyOptions): Promise<GeneratedApiKey> {
  const prefix = checkPrefix(options?.prefix ?? 'sk', 'generateApiKey');
  const id = randomBase62(ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  const body = `${prefix}_${id}_${secret}`;
  const key = body + checksumOf(body);
  const createdAt = (options.now ?? Date.now)();
  const record = await buildRecord({ prefix, id, secret }, options, createdAt, 'generateApiKey');
  return { key, record };
}
