import type { AuthFailureReason } from './reasons.js';

/**
 * Stable codes of every failure the core can return. RFC 6750 §3.1 codes, the DPoP codes of
 * RFC 9449 §7.1, the step-up code of RFC 9470, and `credentials_required` for a request that
 * carries no credential at all (its challenge has no `error` attribute).
 */
export type AuthErrorCode =
  | 'credentials_required'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication'
  | 'temporarily_unavailable';

/** The HTTP authentication scheme a challenge is issued for. */
export type ChallengeScheme = 'Bearer' | 'DPoP' | 'ApiKey';

const STATUS: Record<AuthErrorCode, number> = {
  credentials_required: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  insufficient_user_authentication: 401,
  temporarily_unavailable: 503,
};

// One fixed, public description per code: nothing about why a credential failed reaches the client.
const DESCRIPTION: Record<AuthErrorCode, string> = {
  credentials_required: 'Authentication required',
  invalid_request: 'The request is malformed',
  invalid_token: 'The access token is invalid',
  insufficient_scope: 'The access token does not have the required scope',
  invalid_dpop_proof: 'The DPoP proof is invalid',
  use_dpop_nonce: 'A DPoP nonce is required',
  insufficient_user_authentication: 'Stronger user authentication is required',
  temporarily_unavailable: 'Authentication is temporarily unavailable',
};
// An API key is no access token: its challenges say what was presented, and still nothing more.
const API_KEY_DESCRIPTION: Partial<Record<AuthErrorCode, string>> = {
  invalid_token: 'The API key is invalid',
  insufficient_scope: 'The API key does not have the required scope',
};

// What a refusal is when its site named no reason: only the codes with one obvious cause.
const DEFAULT_REASON: Record<AuthErrorCode, AuthFailureReason> = {
  credentials_required: 'credentials_missing',
  invalid_request: 'malformed_credentials',
  invalid_token: 'unspecified',
  insufficient_scope: 'scope_missing',
  invalid_dpop_proof: 'dpop_proof_invalid',
  use_dpop_nonce: 'dpop_nonce_required',
  insufficient_user_authentication: 'unspecified',
  temporarily_unavailable: 'unspecified',
};

/** The fixed public description of a code under a challenge scheme. */
export const defaultDescription = (code: AuthErrorCode, scheme: ChallengeScheme): string =>
  (scheme === 'ApiKey' ? API_KEY_DESCRIPTION[code] : undefined) ?? DESCRIPTION[code];

export interface AuthErrorOptions {
  /** Public description; defaults to the fixed text of the code and scheme. Never the reason. */
  description?: string;
  /** Why, as a stable machine value (logs, metrics, tests); never rendered. */
  reason?: AuthFailureReason;
  /** The internal reason, for logs only. */
  cause?: unknown;
  /** Scopes the resource needs (`insufficient_scope`). */
  scopes?: readonly string[];
  /** Challenge scheme; defaults to `Bearer`. */
  scheme?: ChallengeScheme;
  /** Extra challenge parameters (`acr_values`, `max_age`, `algs`…). */
  params?: Readonly<Record<string, string>>;
  /** Extra response headers (`DPoP-Nonce`). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A failed authentication or authorization. It knows its HTTP status and the parts of its
 * `WWW-Authenticate` challenge; `cause` keeps the real reason for logs.
 */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: number;
  readonly description: string;
  readonly scopes: readonly string[];
  readonly scheme: ChallengeScheme;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Why, for machines (see `AuthFailureReason`); never rendered to the client. */
  readonly reason: AuthFailureReason;
  /** Its description is safe to show: frameworks' default error handlers (Koa, Express) read this. */
  readonly expose = true;

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    const scheme = options.scheme ?? 'Bearer';
    const description = options.description ?? defaultDescription(code, scheme);
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.status = STATUS[code];
    this.description = description;
    this.scopes = options.scopes ?? [];
    this.scheme = scheme;
    this.params = options.params ?? {};
    this.headers = options.headers ?? {};
    this.reason = options.reason ?? DEFAULT_REASON[code];
  }

  /** `status` under the name Fastify's and Express's error handlers read. */
  get statusCode(): number {
    return this.status;
  }
}

export const isAuthError = (value: unknown): value is AuthError => value instanceof AuthError;

/** The result of every expected outcome: bad credentials are values, not exceptions. */
export type AuthResult<T> = { ok: true; principal: T } | { ok: false; error: AuthError };
