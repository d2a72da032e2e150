import { errors } from 'jose';
import type { AuthFailureReason } from '../reasons.js';

/**
 * The keys could not be had: the JWKS or discovery endpoint failed (unreachable, timed out, not
 * JSON, no keys) and no last good keys were left to serve. Not the client's fault: answered 503.
 */
export class KeySourceUnavailable extends Error {
  /** Seconds until a retry may succeed (at least 1): when the resolver fetches again. */
  readonly retryAfter: number;
  constructor(message: string, retryAfterMs: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KeySourceUnavailable';
    this.retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

const CLAIM_REASON: Readonly<Record<string, AuthFailureReason>> = {
  iss: 'issuer_mismatch',
  aud: 'audience_mismatch',
  nbf: 'token_not_yet_valid',
  iat: 'token_not_yet_valid',
  exp: 'token_expired',
  typ: 'typ_mismatch',
};

/** Why jose (or a key resolver) refused a token, as a stable reason. */
export function joseReason(error: unknown): AuthFailureReason {
  if (error instanceof KeySourceUnavailable) return 'key_source_unavailable';
  if (error instanceof errors.JWTExpired)
    return error.claim === 'iat' ? 'token_too_old' : 'token_expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'claim_missing';
    if (error.reason === 'invalid') return 'claim_invalid';
    return CLAIM_REASON[error.claim] ?? 'claim_invalid';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature_invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_kid';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown_kid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg_not_allowed';
  // jose refuses an unrecognized `crit` extension with JOSENotSupported, a malformed `crit` with
  // JWSInvalid; any other JOSENotSupported is an algorithm or key type it cannot use.
  if (
    (error instanceof errors.JOSENotSupported || error instanceof errors.JWSInvalid) &&
    /crit|Extension Header/.test(error.message)
  )
    return 'crit_unsupported';
  if (error instanceof errors.JOSENotSupported) return 'alg_not_allowed';
  return 'token_malformed';
}
