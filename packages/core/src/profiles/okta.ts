import { arrayClaim, audienceOption, baseUrlOption, type JwtProfile } from './profile.js';

export interface OktaOptions {
  /**
   * A custom authorization server's issuer, `https://{yourOktaDomain}/oauth2/{authServerId}`
   * (`.../oauth2/default` for the default one). The org authorization server's tokens
   * (`https://{yourOktaDomain}`) are for Okta's own APIs only and are refused here.
   */
  issuer: string;
  /** The authorization server's Audience (`api://default` for the default server). */
  audience: string | readonly string[];
}

/**
 * Okta access tokens from a custom authorization server: keys found by discovery
 * (`{issuer}/.well-known/openid-configuration`), RS256, no `typ` header (Okta sets none), `aud`
 * required. Scopes from the `scp` array, roles from a `groups` array claim when you add one,
 * the client from `cid`; a token without `uid` (client credentials) is a service.
 */
export function okta(options: OktaOptions): JwtProfile {
  const url = baseUrlOption('okta', 'issuer', options?.issuer);
  if (url.protocol !== 'https:' || !/^\/oauth2\/[^/]+$/.test(url.pathname))
    throw new TypeError(
      'okta: `issuer` is a custom authorization server, https://{yourOktaDomain}/oauth2/{authServerId}',
    );
  return {
    issuer: url.href,
    audience: audienceOption('okta', options.audience),
    algorithms: ['RS256'],
    discovery: true,
    typ: false,
    // Every Okta access token names its client in `cid`; an ID token does not.
    requiredClaims: ['cid'],
    scopes: (claims) => arrayClaim(claims.scp) as string[],
    roles: (claims) => arrayClaim(claims.groups) as string[],
    clientId: (claims) => (typeof claims.cid === 'string' ? claims.cid : undefined),
    kind: (claims) => (typeof claims.uid === 'string' && claims.uid !== '' ? 'user' : 'service'),
  };
}
