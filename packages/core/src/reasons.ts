/**
 * Why a request was refused, for machines: logs, metrics, spans and tests. Stable across
 * versions (members are only added), set at every refusal, and never rendered to the client:
 * the public answer is the `code` and its fixed description.
 */
export type AuthFailureReason =
  // Extraction (RFC 6750 §2)
  | 'credentials_missing'
  | 'multiple_credentials'
  | 'malformed_credentials'
  | 'no_scheme'
  | 'scheme_error'
  // JWT form, keys and signature (RFC 7515, RFC 8725)
  | 'token_too_long'
  | 'token_malformed'
  | 'token_not_canonical'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'signature_invalid'
  | 'key_source_unavailable'
  | 'crit_unsupported'
  // JWT claims (RFC 7519, RFC 9068)
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_too_old'
  | 'claim_invalid'
  | 'claim_missing'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'typ_mismatch'
  | 'claims_schema_invalid'
  | 'token_revoked'
  | 'token_sender_constrained'
  // DPoP (RFC 9449)
  | 'dpop_proof_missing'
  | 'dpop_proof_invalid'
  | 'dpop_key_rejected'
  | 'dpop_htm_mismatch'
  | 'dpop_htu_mismatch'
  | 'dpop_iat_invalid'
  | 'dpop_ath_mismatch'
  | 'dpop_jkt_mismatch'
  | 'dpop_replay'
  | 'dpop_nonce_required'
  // Introspection (RFC 7662)
  | 'token_inactive'
  | 'introspection_unavailable'
  | 'introspection_overloaded'
  // API keys
  | 'api_key_malformed'
  | 'api_key_checksum'
  | 'api_key_unknown'
  | 'api_key_mismatch'
  | 'api_key_revoked'
  | 'api_key_expired'
  | 'store_unavailable'
  // Authorization (scopes, step-up, claim checks)
  | 'scope_missing'
  | 'acr_mismatch'
  | 'auth_too_old'
  | 'check_failed'
  // A refusal whose site set none (a custom scheme's own errors)
  | 'unspecified';
