import { tokenRequest } from '../lib/client-auth.js';
import type { Context } from '../lib/context.js';
import type { Incoming, Reply } from '../lib/exchange.js';
import { reply } from '../lib/http.js';
import { parseRefreshToken, verifyOwnAccessToken } from '../lib/tokens.js';

/** What an active token looks like to `/introspect` (RFC 7662 §2.2). */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  token_type?: string;
  [claim: string]: unknown;
}

const inactive = () => reply(200, { active: false });

async function introspect(
  ctx: Context,
  token: string,
  clientId: string,
): Promise<IntrospectionResponse | undefined> {
  const payload = await verifyOwnAccessToken(ctx, token);
  if (payload) {
    if (await ctx.revocations.isRevoked(payload.jti!)) return undefined;
    // RFC 7662 §2.2: the token type as issued (RFC 6749 §5.1): `DPoP` for a key-bound token (RFC 9449 §5).
    const tokenType = payload.cnf === undefined ? 'Bearer' : 'DPoP';
    return { ...payload, active: true, token_type: tokenType };
  }
  const parsed = await parseRefreshToken(token);
  const found = parsed && (await ctx.refreshTokens.find(parsed.familyId, parsed.tokenHash));
  if (!found || found.used) return undefined;
  const { record } = found;
  // A refresh token is for the authorization server and its own client, no one else.
  if (record.clientId !== clientId || record.expiresAt <= ctx.now()) return undefined;
  if (await ctx.refreshTokens.isFamilyRevoked(record.familyId)) return undefined;
  const response: IntrospectionResponse = {
    active: true,
    client_id: record.clientId,
    sub: record.userId,
    aud: record.audience.length === 1 ? record.audience[0]! : record.audience,
    iss: ctx.issuer,
    exp: Math.floor(record.expiresAt / 1000),
    iat: Math.floor(record.issuedAt / 1000),
    token_type: 'refresh_token',
  };
  if (record.scopes.length > 0) response.scope = record.scopes.join(' ');
  return response;
}

/**
 * `POST /introspect` (RFC 7662), for confidential clients (resource servers). Honours
 * expiry, revocation of the token and of its refresh-token family. Access tokens are described
 * to any confidential client; refresh tokens only to the client they were issued to.
 */
export async function introspectEndpoint(ctx: Context, request: Incoming): Promise<Reply> {
  const { client, token } = await tokenRequest(ctx, request, false);
  const result = await introspect(ctx, token, client.clientId);
  return result ? reply(200, result) : inactive();
}
