import { tokenRequest } from '../lib/client-auth.js';
import type { Context } from '../lib/context.js';
import type { Incoming, Reply } from '../lib/exchange.js';
import { OAuthError } from '../lib/http.js';
import { parseRefreshToken, revokeFamily, verifyOwnAccessToken } from '../lib/tokens.js';

const notYours = () => new OAuthError('invalid_request', 'the token was not issued to this client');

/**
 * `POST /revoke` (RFC 7009). A refresh token revokes its whole family, access tokens included;
 * an access token is revoked by `jti`. Unknown and invalid tokens are answered 200 as well.
 */
export async function revokeEndpoint(ctx: Context, request: Incoming): Promise<Reply> {
  const { client, token } = await tokenRequest(ctx, request, true);
  // `token_type_hint` is optional and only an optimisation (§2.1): the token's shape decides.
  const payload = await verifyOwnAccessToken(ctx, token);
  if (payload) {
    if (payload.client_id !== client.clientId) throw notYours();
    await ctx.revocations.revoke(payload.jti!, payload.exp! * 1000);
  } else {
    const parsed = await parseRefreshToken(token);
    const found = parsed && (await ctx.refreshTokens.find(parsed.familyId, parsed.tokenHash));
    if (found) {
      if (found.record.clientId !== client.clientId) throw notYours();
      const until = Math.max(found.record.expiresAt, ctx.now() + ctx.accessTokenTtl * 1000);
      await revokeFamily(ctx, found.record.familyId, until);
    }
  }
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: undefined };
}
