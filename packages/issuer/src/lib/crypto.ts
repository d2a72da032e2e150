import { base64url } from 'jose';

const encoder = new TextEncoder();

/** SHA-256 of a UTF-8 string, base64url-encoded (no padding). */
export async function sha256(input: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(input));
  return base64url.encode(new Uint8Array(digest));
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
