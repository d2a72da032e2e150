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
 * Compares two strings in time that depends only on their length, never on where they differ.
 * Callers compare fixed-length digests, so the length itself reveals nothing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
