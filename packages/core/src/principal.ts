import type { JWTPayload } from 'jose';

export type PrincipalKind = 'user' | 'service' | 'application';

/** The registered claims of a JWT access token, and whatever else it carries. */
export type JwtClaims = JWTPayload;

interface PrincipalBase {
  /** `user` for a person, `service` for a client acting for itself, `application` for an API key. */
  readonly kind: PrincipalKind;
  /** `sub` of a token, or the key id of an API key. */
  readonly id: string;
  readonly scopes: ReadonlySet<string>;
  readonly clientId: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: readonly string[];
  readonly expiresAt: Date | undefined;
  /** Authentication Context Class Reference (`acr`), when the token has one. */
  readonly acr?: string | undefined;
  /** When the user authenticated (`auth_time`), when the token says. */
  readonly authTime?: Date | undefined;
}

/** A principal resolved from a JWT access token; `claims` is typed by the scheme's schema. */
export interface JwtPrincipal<Claims = JwtClaims> extends PrincipalBase {
  readonly scheme: 'jwt';
  readonly kind: 'user' | 'service';
  /** The token's roles, as the scheme's `roles` mapping reads them (default: a `roles` array). */
  readonly roles: ReadonlySet<string>;
  readonly claims: Claims;
}

/** What an API key record says about the application that holds it. */
export interface ApiKeyClaims {
  readonly keyId: string;
  readonly owner: string;
  readonly prefix: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A principal resolved from an API key: always an application, never a person. */
export interface ApiKeyPrincipal extends PrincipalBase {
  readonly scheme: 'apiKey';
  readonly kind: 'application';
  readonly claims: ApiKeyClaims;
}

/** An RFC 7662 introspection response for an active token. */
export interface IntrospectionClaims {
  readonly active: true;
  readonly scope?: string;
  readonly client_id?: string;
  readonly username?: string;
  readonly token_type?: string;
  readonly exp?: number;
  readonly iat?: number;
  readonly nbf?: number;
  readonly sub?: string;
  readonly aud?: string | readonly string[];
  readonly iss?: string;
  readonly jti?: string;
  readonly [claim: string]: unknown;
}

/** A principal resolved from an opaque token by introspection (RFC 7662). */
export interface OpaquePrincipal extends PrincipalBase {
  readonly scheme: 'opaque';
  readonly kind: 'user' | 'service';
  readonly claims: IntrospectionClaims;
}

/**
 * Declaration-merge `principal` here to type the principal everywhere (the adapters' `req.auth`,
 * `ctx.state.auth`, `c.get('auth')`, `request.auth`) without casts:
 *
 * ```ts
 * declare module '@authcore/core' {
 *   interface Register { principal: InferPrincipal<typeof authenticator> }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by users
export interface Register {}

/** Any principal the built-in schemes produce. */
export type AnyPrincipal = JwtPrincipal | ApiKeyPrincipal | OpaquePrincipal;

/** The principal type users registered, or every built-in kind when they did not. */
export type Principal = Register extends { principal: infer P } ? P : AnyPrincipal;

/** The JSON a principal is shown as (claims left out: they may hold personal data). */
export interface PrincipalJSON {
  kind: PrincipalKind;
  id: string;
  scheme: string;
  scopes: string[];
  clientId: string | null;
  issuer: string | null;
  audience: string[];
  expiresAt: string | null;
}

export function principalToJSON(principal: AnyPrincipal): PrincipalJSON {
  return {
    kind: principal.kind,
    id: principal.id,
    scheme: principal.scheme,
    scopes: [...principal.scopes].sort(),
    clientId: principal.clientId ?? null,
    issuer: principal.issuer ?? null,
    audience: [...principal.audience],
    expiresAt: principal.expiresAt?.toISOString() ?? null,
  };
}
