import { timingSafeEqual } from '@authcore/core/adapter';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base64url } from 'jose';

const encoder = new TextEncoder();

/**
 * SHA-256 of a UTF-8 string, base64url-encoded (no padding). Synchronous (`@noble/hashes`): for
 * inputs this short a WebCrypto digest costs a threadpool round trip worth ten times the hashing.
 */
export function sha256(input: string): string {
  return base64url.encode(nobleSha256(encoder.encode(input)));
}

/** `bytes` random bytes, base64url-encoded: 32 bytes give 256 bits of entropy. */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * Whether a presented digest (base64url, as `sha256` gives) is the expected one, by the core's
 * constant-time compare: the time depends only on the presented digest's (fixed) length.
 */
export function digestsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(encoder.encode(presented), encoder.encode(expected));
}
