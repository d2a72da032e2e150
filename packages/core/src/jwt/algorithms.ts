/** Asymmetric JWS algorithms the JWT scheme verifies; `none` and HMAC are never implied. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** HMAC algorithms, accepted only with a `secret` configured on purpose. */
export const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type SymmetricAlgorithm = (typeof SYMMETRIC_ALGORITHMS)[number];
export type JwtAlgorithm = AsymmetricAlgorithm | SymmetricAlgorithm;

const asymmetric = new Set<string>(ASYMMETRIC_ALGORITHMS);
const symmetric = new Set<string>(SYMMETRIC_ALGORITHMS);

/** Validates an allowlist once, at construction: misconfiguration throws with a clear message. */
export function checkAlgorithms(
  algorithms: readonly string[] | undefined,
  withSecret: boolean,
): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('jwt: `algorithms` is required, e.g. ["ES256"] or ["RS256"]');
  }
  for (const alg of algorithms) {
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
      throw new TypeError('jwt: the "none" algorithm is never accepted');
    }
    if (withSecret ? !symmetric.has(alg) : !asymmetric.has(alg)) {
      throw new TypeError(
        withSecret
          ? `jwt: with a \`secret\` only HS256, HS384 and HS512 are accepted, not ${alg}`
          : symmetric.has(alg)
            ? `jwt: ${alg} needs a \`secret\`; it is never verified with a public key`
            : `jwt: unsupported algorithm ${alg}`,
      );
    }
  }
  return [...algorithms];
}
