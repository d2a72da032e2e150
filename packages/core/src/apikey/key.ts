import { base64url } from 'jose';
import { base62Digit, base62Fixed } from '../lib/base62.js';
import { crc32 } from '../lib/crc32.js';
import { sha256Digest } from '../lib/digest.js';
import type { ApiKeyRecord } from './types.js';

// <prefix>_<id>_<secret><checksum>
export const ID_LENGTH = 12;
/** 24 base62 characters: 142 bits of randomness. */
export const SECRET_LENGTH = 24;
export const CHECKSUM_LENGTH = 6;
export const MAX_PREFIX_LENGTH = 32;
const TAIL = 1 + ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH;
const MAX_KEY_LENGTH = MAX_PREFIX_LENGTH + TAIL;

const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;

/** `sk`, `sk_live`, `acme_test2`: lower-case letters and digits in `_`-separated words. */
export function isValidPrefix(prefix: string, end = prefix.length): boolean {
  if (end < 1 || end > MAX_PREFIX_LENGTH || !isLower(prefix.charCodeAt(0))) return false;
  for (let i = 1; i < end; i++) {
    const c = prefix.charCodeAt(i);
    if (c === 95) {
      if (i === end - 1 || prefix.charCodeAt(i + 1) === 95) return false;
    } else if (!isLower(c) && !isDigit(c)) return false;
  }
  return true;
}

export function checkPrefix(prefix: unknown, where: string): string {
  if (typeof prefix !== 'string' || !isValidPrefix(prefix)) {
    throw new TypeError(
      `${where}: a prefix is 1 to ${MAX_PREFIX_LENGTH} lower-case letters and digits in words joined by "_" (such as "sk_live"), got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

const allBase62 = (s: string, from: number, to: number) => {
  for (let i = from; i < to; i++) if (base62Digit(s.charCodeAt(i)) < 0) return false;
  return true;
};

/** Whether a string has the form of an API key (checksum not checked). Allocates nothing. */
export function hasApiKeyShape(key: string): boolean {
  const n = key.length;
  if (n <= TAIL || n > MAX_KEY_LENGTH) return false;
  const secondSeparator = n - SECRET_LENGTH - CHECKSUM_LENGTH - 1;
  const firstSeparator = secondSeparator - ID_LENGTH - 1;
  return (
    key.charCodeAt(secondSeparator) === 95 &&
    key.charCodeAt(firstSeparator) === 95 &&
    isValidPrefix(key, firstSeparator) &&
    allBase62(key, firstSeparator + 1, secondSeparator) &&
    allBase62(key, secondSeparator + 1, n)
  );
}

/** The checksum of everything before it: CRC-32 as 6 base62 digits. */
export const checksumOf = (body: string): string => base62Fixed(crc32(body), CHECKSUM_LENGTH);

function checksumMatches(key: string): boolean {
  const end = key.length - CHECKSUM_LENGTH;
  let value = 0;
  for (let i = end; i < key.length; i++) value = value * 62 + base62Digit(key.charCodeAt(i));
  return value === crc32(key, end);
}

export interface ApiKeyParts {
  readonly prefix: string;
  readonly id: string;
  readonly secret: string;
}

/**
 * Splits a key, from the right (a prefix may hold `_`), after checking its form and checksum.
 * Returns why it failed otherwise.
 */
export function splitApiKey(key: unknown): ApiKeyParts | 'malformed' | 'checksum' {
  if (typeof key !== 'string' || !hasApiKeyShape(key)) return 'malformed';
  if (!checksumMatches(key)) return 'checksum';
  const n = key.length;
  const secretStart = n - SECRET_LENGTH - CHECKSUM_LENGTH;
  const idStart = secretStart - 1 - ID_LENGTH;
  return {
    prefix: key.slice(0, idStart - 1),
    id: key.slice(idStart, secretStart - 1),
    secret: key.slice(secretStart, n - CHECKSUM_LENGTH),
  };
}

const encoder = new TextEncoder();

/** SHA-256 of a secret (its UTF-8 bytes): what a record stores, what a presented key is compared by. */
export const hashSecret = (secret: string): Uint8Array =>
  sha256Digest(encoder.encode(secret)).slice();

// Scratch for `hashKey`: a key of the API key form is ASCII and at most MAX_KEY_LENGTH long.
// Zeroed after each use, so no key is left in it.
const SCRATCH = new Uint8Array(MAX_KEY_LENGTH);

/**
 * The SHA-256 of a whole key (of the API key form) as a 16-code-unit string to key a map by:
 * memos hold this, never the key. Nothing allocated but the string: it runs on every request
 * with an API key.
 */
export function hashKey(key: string): string {
  const { read, written } = encoder.encodeInto(key, SCRATCH);
  const d = sha256Digest(read === key.length ? SCRATCH.subarray(0, written) : encoder.encode(key));
  SCRATCH.fill(0, 0, written);
  const u = (i: number) => d[i]! | (d[i + 1]! << 8);
  return String.fromCharCode(
    u(0),
    u(2),
    u(4),
    u(6),
    u(8),
    u(10),
    u(12),
    u(14),
    u(16),
    u(18),
    u(20),
    u(22),
    u(24),
    u(26),
    u(28),
    u(30),
  );
}

/** Decoded stored hash, or `undefined` when it is not 32 bytes of base64url. */
export function decodeHash(hash: unknown): Uint8Array | undefined {
  if (typeof hash !== 'string' || hash.length !== 43) return undefined;
  try {
    const bytes = base64url.decode(hash);
    return bytes.length === 32 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

export const hintOf = (prefix: string, id: string): string => `${prefix}_${id.slice(0, 6)}...`;

// RFC 6749 §3.3 scope-token.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export interface RecordFields {
  owner: string;
  /** A list, or one space-delimited string. */
  scopes?: string | readonly string[] | undefined;
  expiresAt?: Date | number | undefined;
  metadata?: Readonly<Record<string, string>> | undefined;
}

export function epochMs(value: Date | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new TypeError(`${what} must be a valid Date or epoch milliseconds`);
  return ms;
}

/** A record for validated key parts; throws a `TypeError` on bad fields (a misconfiguration). */
export async function buildRecord(
  parts: ApiKeyParts,
  fields: RecordFields,
  createdAt: number,
  where: string,
): Promise<ApiKeyRecord> {
  if (typeof fields?.owner !== 'string' || fields.owner === '')
    throw new TypeError(`${where}: \`owner\` is required`);
  const list = typeof fields.scopes === 'string' ? fields.scopes.split(' ') : (fields.scopes ?? []);
  const scopes: string[] = [];
  for (const scope of list) {
    if (scope === '' && typeof fields.scopes === 'string') continue;
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
      throw new TypeError(`${where}: invalid scope ${JSON.stringify(scope)}`);
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields.metadata ?? {})) {
    if (typeof value !== 'string')
      throw new TypeError(`${where}: metadata values must be strings (${name})`);
    metadata[name] = value;
  }
  const hash = base64url.encode(hashSecret(parts.secret));
  const record: { -readonly [K in keyof ApiKeyRecord]: ApiKeyRecord[K] } = {
    id: parts.id,
    prefix: parts.prefix,
    hash,
    hint: hintOf(parts.prefix, parts.id),
    owner: fields.owner,
    scopes,
    createdAt: epochMs(createdAt, `${where}: \`now\``),
    metadata,
  };
  if (fields.expiresAt !== undefined)
    record.expiresAt = epochMs(fields.expiresAt, `${where}: \`expiresAt\``);
  return record;
}
