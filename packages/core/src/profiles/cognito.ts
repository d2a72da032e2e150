import { arrayClaim, type JwtProfile, required, spaceSeparated } from './profile.js';

export interface CognitoOptions {
  /** The user pool's AWS Region, `eu-west-1`. */
  region: string;
  /** The user pool ID, `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /** The app client(s) whose access tokens this API accepts (their `client_id`). */
  clientId: string | readonly string[];
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Amazon Cognito user pool access tokens: issuer
 * `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, keys from
 * `{issuer}/.well-known/jwks.json`, RS256, no `typ` header (Cognito sets none). Access tokens
 * carry no `aud`: the audience rule is `client_id` in your allowlist and `token_use: access`,
 * so an ID token is refused. Scopes from `scope`, roles from `cognito:groups`.
 */
export function cognito(options: CognitoOptions): JwtProfile {
  const region = required('cognito', 'region', options?.region);
  if (!REGION.test(region)) throw new TypeError('cognito: `region` is an AWS Region, "eu-west-1"');
  const userPoolId = required('cognito', 'userPoolId', options.userPoolId);
  const [poolRegion, poolName] = userPoolId.split('_');
  if (poolRegion !== region || !poolName || !/^[0-9A-Za-z]+$/.test(poolName))
    throw new TypeError('cognito: `userPoolId` is "{region}_{id}" in `region`');
  const ids = typeof options.clientId === 'string' ? [options.clientId] : options.clientId;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((c) => typeof c !== 'string' || c === ''))
    throw new TypeError('cognito: `clientId` (one app client ID or a list) is required');
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  return {
    issuer,
    audience: { clientIds: Object.freeze([...ids]) },
    algorithms: ['RS256'],
    jwksUri: `${issuer}/.well-known/jwks.json`,
    typ: false,
    claimValues: { token_use: 'access' },
    scopes: (claims) => spaceSeparated(claims.scope),
    roles: (claims) => arrayClaim(claims['cognito:groups']) as string[],
  };
}
