import type { JWTPayload } from 'jose';
import {
  arrayClaim,
  audienceOption,
  baseUrlOption,
  type JwtProfile,
  required,
  spaceSeparated,
} from './profile.js';

export interface KeycloakOptions {
  /** The server's base URL, `https://sso.example.com` (add `/auth` for Keycloak before 17). */
  url: string;
  /** The realm's name. */
  realm: string;
  /** This API's client ID as the token's `aud` carries it (add it with an Audience mapper). */
  audience: string | readonly string[];
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

// Realm roles as they are; each client's roles as `client:role`, so that two clients' (or a
// client's and the realm's) roles of the same name never merge.
function roles(claims: JWTPayload): string[] {
  const out = arrayClaim(record(claims.realm_access).roles).filter(
    (r): r is string => typeof r === 'string',
  );
  for (const [client, access] of Object.entries(record(claims.resource_access))) {
    for (const role of arrayClaim(record(access).roles))
      if (typeof role === 'string' && role !== '') out.push(`${client}:${role}`);
  }
  return out;
}

/**
 * Keycloak access tokens of one realm: issuer `{url}/realms/{realm}`, keys found by discovery
 * (`{issuer}/.well-known/openid-configuration`), RS256, header `typ: JWT`, the payload's
 * `typ: Bearer` (an ID or refresh token is refused), `aud` required. Scopes from `scope`, roles
 * from `realm_access.roles` and `resource_access.{client}.roles`; a service account's token
 * (which carries `client_id`) is a service.
 */
export function keycloak(options: KeycloakOptions): JwtProfile {
  const base = baseUrlOption('keycloak', 'url', options?.url);
  const realm = required('keycloak', 'realm', options.realm);
  const path = base.pathname.replace(/\/$/, '');
  return {
    issuer: `${base.origin}${path}/realms/${encodeURIComponent(realm)}`,
    audience: audienceOption('keycloak', options.audience),
    algorithms: ['RS256'],
    discovery: true,
    typ: 'JWT',
    claimValues: { typ: 'Bearer' },
    scopes: (claims) => spaceSeparated(claims.scope),
    roles,
    kind: (claims) =>
      typeof claims.client_id === 'string' || typeof claims.clientId === 'string'
        ? 'service'
        : 'user',
  };
}
