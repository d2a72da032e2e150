// RFC 7515 §2 / RFC 4648 §3.5: base64url without padding, and canonical: a segment whose length
// is 1 mod 4 encodes no whole byte, and the bits the last character carries past the last byte
// must be zero. Decoders (jose's `atob`) ignore those bits, so without this one signed token
// has up to 17 spellings: each its own cache entry, each past a list keyed by the token string.

const STRICT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

// The 6-bit value of a character already known to be of the base64url alphabet.
const sextet = (c: number) =>
  c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 45 ? 62 : 63;

function canonicalSegment(token: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  // Two characters hold one byte and 4 spare bits; three hold two bytes and 2 spare bits.
  return (sextet(token.charCodeAt(end - 1)) & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Three dot-separated segments, the header and payload non-empty: which scheme a bearer token is
 * for. Found by `indexOf`, not a regex, because it runs for every bearer token.
 */
export function isJwsShape(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return first > 0 && second > first + 1 && token.indexOf('.', second + 1) === -1;
}

/** Whether a token is three non-empty segments of canonical base64url: checked before jose. */
export function isCanonicalJws(token: string): boolean {
  if (!STRICT.test(token)) return false;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return (
    canonicalSegment(token, 0, first) &&
    canonicalSegment(token, first + 1, second) &&
    canonicalSegment(token, second + 1, token.length)
  );
}
