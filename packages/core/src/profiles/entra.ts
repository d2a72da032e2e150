import type { JWTPayload } from 'jose';
import { audienceOption, type JwtProfile, spaceSeparated } from './profile.js';

export interface EntraOptions {
  /** Your tenant's ID (a GUID). `common`, `organizations` and `consumers` are refused. */
  tenantId: string;
  /**
   * The API's Application (client) ID for v2.0 tokens, its Application ID URI (`api://…`) for
   * v1.0 tokens; list both if clients may use either.
   */
  audience: string | readonly string[];
  /**
   * The access token version your API's registration asks for (`accessTokenAcceptedVersion` in
   * its manifest: `2` is `'2.0'`, `null` or `1` is `'1.0'`). Default `'2.0'`.
   */
  version?: '1.0' | '2.0';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// `idtyp` (an optional claim) says it outright; without it, a delegated token always has `scp`.
function kind(claims: JWTPayload): 'user' | 'service' {
  if (claims.idtyp === 'app') return 'service';
  if (claims.idtyp === 'user') return 'user';
  return typeof claims.scp === 'string' && claims.scp !== '' ? 'user' : 'service';
}

/**
 * Microsoft Entra ID access tokens for your own API in one tenant: issuer
 * `https://login.microsoftonline.com/{tenantId}/v2.0` (v1.0: `https://sts.windows.net/{tenantId}/`),
 * the tenant's keys, RS256, header `typ: JWT`, `aud` required, `tid` equal to the tenant.
 * Delegated scopes from the space-separated `scp`; app roles (and an app-only token's
 * application permissions) from `roles`; the client from `azp` (v1.0: `appid`).
 */
export function entra(options: EntraOptions): JwtProfile {
  const tenantId = options?.tenantId;
  if (typeof tenantId !== 'string' || !GUID.test(tenantId))
    throw new TypeError('entra: `tenantId` is your tenant ID (a GUID), not common/organizations');
  const tid = tenantId.toLowerCase();
  const version = options.version ?? '2.0';
  if (version !== '1.0' && version !== '2.0')
    throw new TypeError('entra: `version` is "1.0" or "2.0"');
  const v2 = version === '2.0';
  return {
    issuer: v2
      ? `https://login.microsoftonline.com/${tid}/v2.0`
      : `https://sts.windows.net/${tid}/`,
    audience: audienceOption('entra', options.audience),
    algorithms: ['RS256'],
    // The `jwks_uri` of the tenant's v2.0 / v1.0 OpenID configuration.
    jwksUri: `https://login.microsoftonline.com/${tid}/discovery/${v2 ? 'v2.0/' : ''}keys`,
    typ: 'JWT',
    claimValues: { tid },
    scopes: (claims) => spaceSeparated(claims.scp),
    clientId: (claims) => {
      const id = v2 ? claims.azp : claims.appid;
      return typeof id === 'string' ? id : undefined;
    },
    kind,
  };
}
