import { buildRecord, splitApiKey } from './key.js';
import type { ApiKeyRecord } from './types.js';

export interface ApiKeyRecordOptions {
  owner: string;
  /** A list or one space-delimited string. Default none. */
  scopes?: string | readonly string[];
  expiresAt?: Date | number;
  metadata?: Readonly<Record<string, string>>;
  /** Clock in epoch ms, for `createdAt`. */
  now?: () => number;
}

/**
 * The record of an existing full key, to seed a store with keys you were given (from an
 * environment variable, a secret manager): `await store.create(await apiKeyRecord(key, {…}))`.
 * Throws a `TypeError` if the key is malformed or its checksum does not match.
 */
export async function apiKeyRecord(
  key: string,
  options: ApiKeyRecordOptions,
): Promise<ApiKeyRecord> {
  const parts = splitApiKey(key);
  if (parts === 'malformed') throw new TypeError('apiKeyRecord: not an API key');
  if (parts === 'checksum')
    throw new TypeError('apiKeyRecord: the API key checksum does not match');
  return buildRecord(parts, options, (options.now ?? Date.now)(), 'apiKeyRecord');
}
