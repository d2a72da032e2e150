/** Base62 in ASCII order: digits, then upper case, then lower case (as GitHub's tokens). */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// The largest multiple of 62 that fits a byte: bytes at or above it are dropped so that every
// character is uniformly distributed (log2(62) ≈ 5.954 bits each).
const UNBIASED_LIMIT = 248;

/** `length` uniformly random base62 characters from `crypto.getRandomValues`. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length + 8));
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]!;
      if (b < UNBIASED_LIMIT) out += BASE62[b % 62];
    }
  }
  return out;
}

/** A non-negative integer as exactly `width` base62 digits, most significant first. */
export function base62Fixed(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** The value of one base62 character code, or -1. */
export function base62Digit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 61;
  return -1;
}
