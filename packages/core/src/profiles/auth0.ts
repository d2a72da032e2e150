import type { JWTPayload } from 'jose';
import { parseScopes } from '../scopes.js';
import { arrayClaim, audienceOption, hostOption, type JwtProfile } from './profile.js';

export interface Auth0Options {
  /** Your tenant's domain (`my-tenant.us.auth0.com`) or custom domain, without `https://`. */
  domain: string;
  /** The API's Identifier in the Auth0 dashboard (the `audience` clients ask tokens for). */
  audience: string | readonly string[];
  /**
   * The API's "JSON Web Token (JWT) Profile": `auth0` (the default; header `typ: JWT`, client
   * in `azp`) or `rfc9068` (header `typ: at+jwt`, client in `client_id`).
   */
  tokenProfile?: 'auth0' | 'rfc9068';
}

const isClientCredentials = (claims: JWTPayload) =>
  claims.gty === 'client-credentials' ||
  (typeof claims.sub === 'string' && claims.sub.endsWith('@clients'));

/**
 * Auth0 access tokens: issuer `https://{domain}/`, keys from `https://{domain}/.well-known/jwks.json`,
 * RS256, the `aud` of your API required. Scopes are the `scope` claim plus, with RBAC's "Add
 * Permissions in the Access Token", the `permissions` array; machine-to-machine tokens
 * (`gty: client-credentials`, `sub` ending in `@clients`) are services.
 */
export function auth0(options: Auth0Options): JwtProfile {
  const domain = hostOption('auth0', 'domain', options?.domain);
  const audience = audienceOption('auth0', options.audience);
  const tokenProfile = options.tokenProfile ?? 'auth0';
  if (tokenProfile !== 'auth0' && tokenProfile !== 'rfc9068')
    throw new TypeError('auth0: `tokenProfile` is "auth0" or "rfc9068"');
  return {
    issuer: `https://${domain}/`,
    audience,
    algorithms: ['RS256'],
    jwksUri: `https://${domain}/.well-known/jwks.json`,
    typ: tokenProfile === 'rfc9068' ? 'at+jwt' : 'JWT',
    scopes: (claims) =>
      [...parseScopes(claims.scope), ...arrayClaim(claims.permissions)] as string[],
    kind: (claims) => (isClientCredentials(claims) ? 'service' : 'user'),
  };
}
