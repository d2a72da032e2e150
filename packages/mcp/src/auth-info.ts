import type { PrincipalKind } from '@authcore/core';

/**
 * The MCP SDK's `AuthInfo`, field for field (`@modelcontextprotocol/sdk/server/auth/types.js`):
 * what its transports hand to tools as `extra.authInfo`. Declared here so that this package needs
 * no SDK at run time; the type tests hold it equal to the SDK's.
 */
export interface AuthInfo {
  /** The access token. */
  token: string;
  /** The client the token was issued to. */
  clientId: string;
  /** Scopes of the token. */
  scopes: string[];
  /** When the token expires, in seconds since the epoch. */
  expiresAt?: number;
  /** RFC 8707: the resource (this MCP server) the token is for. */
  resource?: URL;
  /** Anything else about the token. */
  extra?: Record<string, unknown>;
}

/** What `toAuthInfo` reads of a principal: every built-in principal, or a registered one. */
export interface AuthInfoPrincipal {
  readonly kind: PrincipalKind;
  readonly id: string;
  readonly scheme: string;
  readonly scopes: ReadonlySet<string>;
  readonly clientId: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: readonly string[];
  readonly expiresAt: Date | undefined;
}

export interface AuthInfoOptions {
  /** The resource (this server's URL) for `resource`; default the token's audience when it has one. */
  resource?: string | URL;
  /** More `extra` entries, after `sub`, `kind`, `scheme` and `issuer`. */
  extra?: Record<string, unknown>;
}

/** The `extra` `toAuthInfo` always sets. */
export interface AuthInfoExtra {
  sub: string;
  kind: PrincipalKind;
  scheme: string;
  issuer: string | undefined;
}

const toUrl = (value: string | URL | undefined): URL | undefined => {
  if (value === undefined) return undefined;
  if (value instanceof URL) return new URL(value.href);
  return URL.canParse(value) ? new URL(value) : undefined;
};

/**
 * The SDK's `AuthInfo` for a principal and the token it was verified from: a fresh object each
 * call (tools may change theirs). `clientId` is `''` when the token names no client; `resource`
 * is `options.resource`, else the token's audience when it has exactly one URL.
 */
export function toAuthInfo(
  principal: AuthInfoPrincipal,
  token: string,
  options: AuthInfoOptions = {},
): AuthInfo & { extra: AuthInfoExtra & Record<string, unknown> } {
  const { audience } = principal;
  const resource = toUrl(options.resource ?? (audience.length === 1 ? audience[0] : undefined));
  const info: AuthInfo & { extra: AuthInfoExtra & Record<string, unknown> } = {
    token,
    clientId: principal.clientId ?? '',
    scopes: [...principal.scopes],
    extra: {
      sub: principal.id,
      kind: principal.kind,
      scheme: principal.scheme,
      issuer: principal.issuer,
      ...options.extra,
    },
  };
  if (principal.expiresAt !== undefined)
    info.expiresAt = Math.floor(principal.expiresAt.getTime() / 1000);
  if (resource) info.resource = resource;
  return info;
}

// `Bearer <token>` or `DPoP <token>`: the token an MCP tool may pass on. An API key is never copied.
const AUTHORIZATION = /^(?:bearer|dpop) +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The access token of an `Authorization` header (`Bearer` or `DPoP`), or `''`. */
export function accessToken(authorization: string | null | undefined): string {
  if (!authorization) return '';
  return AUTHORIZATION.exec(authorization)?.[1] ?? '';
}
