import { base64url, decodeProtectedHeader } from 'jose';

/** Longest DPoP proof accepted, in characters: an RSA-4096 proof with a 200-character `htu` is ~2.3k. */
export const MAX_PROOF_LENGTH = 4096;
// The protected header of an RSA-4096 proof (its `jwk` inside) is ~1k characters.
const MAX_HEADER_LENGTH = 1536;

/** RSA proof keys: modulus 2048 to 4096 bits (RFC 7518 §3.3 floor; the cost grows with the cube), e = 65537. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;
const RSA_EXPONENT = 'AQAB';

// The one curve each algorithm signs with, and the length of its base64url coordinates.
const CURVES: Record<string, { kty: 'EC' | 'OKP'; crv: string; size: number }> = {
  ES256: { kty: 'EC', crv: 'P-256', size: 43 },
  ES384: { kty: 'EC', crv: 'P-384', size: 64 },
  ES512: { kty: 'EC', crv: 'P-521', size: 88 },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', size: 43 },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', size: 43 },
};
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const B64URL = /^[A-Za-z0-9_-]+$/;

const coordinate = (v: unknown, size: number) =>
  typeof v === 'string' && v.length === size && B64URL.test(v);

function rsaModulusBits(n: unknown): number {
  if (typeof n !== 'string' || n.length > 700 || !B64URL.test(n)) return 0;
  const bytes = base64url.decode(n);
  const top = bytes[0] ?? 0;
  // RFC 7518 §6.3.1.1: the minimum number of octets, so no leading zero.
  if (top === 0) return 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(top));
}

/**
 * Why a proof's form or embedded key is refused before any signature work, or `undefined`. A proof
 * picks its own key, so its cost is bounded here: a 16k-bit RSA modulus or a huge exponent would
 * make each verification many times dearer than a normal proof.
 */
export function proofKeyProblem(proof: string, algorithms: readonly string[]): string | undefined {
  if (proof.length > MAX_PROOF_LENGTH) return 'proof too long';
  const dot = proof.indexOf('.');
  if (dot === -1 || dot > MAX_HEADER_LENGTH) return 'proof header too long or missing';
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(proof) as Record<string, unknown>;
  } catch {
    return 'malformed proof header';
  }
  const { alg, jwk } = header;
  if (typeof alg !== 'string' || !algorithms.includes(alg)) return 'proof alg not allowed';
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'no jwk';
  const key = jwk as Record<string, unknown>;
  for (const member of PRIVATE_MEMBERS) if (member in key) return 'jwk has private members';
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    if (key.kty !== 'RSA') return 'jwk kty does not fit alg';
    if (key.e !== RSA_EXPONENT) return 'RSA exponent is not 65537';
    const bits = rsaModulusBits(key.n);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return 'RSA modulus size out of bounds';
    return undefined;
  }
  const curve = CURVES[alg];
  if (!curve || key.kty !== curve.kty || key.crv !== curve.crv) return 'jwk curve does not fit alg';
  if (!coordinate(key.x, curve.size)) return 'bad jwk x';
  if (curve.kty === 'EC' ? !coordinate(key.y, curve.size) : key.y !== undefined) return 'bad jwk y';
  return undefined;
}
