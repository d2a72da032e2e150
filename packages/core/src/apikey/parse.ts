import { splitApiKey } from './key.js';

/**
 * What a secret scanner looks for: `<prefix>_<id>_<secret><checksum>`, the prefix lower-case
 * words joined by `_`, a 12-character base62 id, then 30 base62 characters (a 24-character
 * secret and a 6-character CRC-32 checksum). Not anchored and without flags; to scan a text use
 * `new RegExp(API_KEY_PATTERN.source, 'g')`, then `parseApiKey` each match to drop false
 * positives by their checksum.
 */
export const API_KEY_PATTERN: RegExp =
  /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9A-Za-z]{12}_[0-9A-Za-z]{30}\b/;

/** The parts of a well-formed key whose checksum matches. */
export interface ParsedApiKey {
  /** `sk_live`. */
  readonly prefix: string;
  /** The public id, the key of its store record. */
  readonly id: string;
  /** The secret part (without the checksum): never log it. */
  readonly secret: string;
}

/**
 * Splits an API key, reading from the right so that a prefix may hold `_`. `undefined` for
 * anything malformed or whose checksum does not match (a typo): no store is needed to tell.
 */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const parts = splitApiKey(key);
  return typeof parts === 'string' ? undefined : parts;
}
