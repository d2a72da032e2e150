import { type AuthenticatedClient, authenticateClient } from '../lib/client-auth.js';
import type { Context } from '../lib/context.js';
import { digestsEqual, sha256 } from '../lib/crypto.js';
import type { Incoming, Reply } from '../lib/exchange.js';
import { OAuthError, type Params, readForm, reply } from '../lib/http.js';
import { noteGrant } from '../lib/observe.js';
import { resolveAudience, resolveScopes } from '../lib/policy.js';
import {
  issueAccessToken,
  issueRefreshToken,
  parseRefreshToken,
  revokeFamily,
} from '../lib/tokens.js';
import type { GrantType } from '../stores/types.js';

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

function tokenResponse(
  accessToken: string,
  expiresIn: number,
  scopes: readonly string[],
  refreshToken: string | undefined,
  jkt: string | undefined,
): Reply {
  const body: TokenResponse = {
    access_token: accessToken,
    token_type: jkt === undefined ? 'Bearer' : 'DPoP',
    expires_in: expiresIn,
  };
  if (scopes.length > 0) body.scope = scopes.join(' ');
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  return reply(200, body, { pragma: 'no-cache' });
}

const NOT_ALLOWED = {
  authorization_code: 'this client may not use the authorization_code grant',
  client_credentials: 'this client may not use the client_credentials grant',
  refresh_token: 'this client may not use the refresh_token grant',
} as const satisfies Record<GrantType, string>;

function requireGrant(auth: AuthenticatedClient, grant: GrantType): void {
  if (!auth.client.grantTypes.includes(grant))
    throw new OAuthError('unauthorized_client', NOT_ALLOWED[grant]);
}

/** Verifies the request's DPoP proof, if any: called once the client and the grant's parameters are valid. */
type Proof = () => Promise<string | undefined>;

async function clientCredentials(
  ctx: Context,
  auth: AuthenticatedClient,
  params: Params,
  proof: Proof,
) {
  requireGrant(auth, 'client_credentials');
  const { client } = auth;
  const scopes = resolveScopes(params.get('scope'), client.scopes);
  const audience = resolveAudience(params.getAll('resource'), client.audience);
  const jkt = await proof();
  const at = await issueAccessToken(ctx, { sub: client.clientId, client, scopes, audience, jkt });
  return tokenResponse(at.token, at.expiresIn, scopes, undefined, jkt);
}

async function authorizationCode(
  ctx: Context,
  auth: AuthenticatedClient,
  params: Params,
  proof: Proof,
) {
  requireGrant(auth, 'authorization_code');
  const { client } = auth;
  const code = params.get('code');
  if (code === undefined) throw new OAuthError('invalid_request', 'code is required');
  const verifier = params.get('code_verifier');
  if (verifier === undefined) throw new OAuthError('invalid_request', 'code_verifier is required');
  const jkt = await proof();

  const now = ctx.now();
  const consumed = await ctx.codes.consume(await sha256(code), now);
  const invalid = new OAuthError('invalid_grant', 'invalid or expired authorization code');
  if (consumed === undefined) throw invalid;
  const { record } = consumed;
  if (consumed.alreadyUsed) {
    // RFC 6749 §4.1.2: a replayed code revokes every token issued from it.
    await revokeFamily(
      ctx,
      record.familyId,
      Math.max(record.retainUntil, now + ctx.refreshTokenTtl * 1000),
    );
    throw new OAuthError('invalid_grant', 'authorization code already used');
  }
  if (record.clientId !== client.clientId || record.expiresAt <= now) throw invalid;
  const redirectUri = params.get('redirect_uri');
  if (redirectUri === undefined ? record.redirectUriInRequest : redirectUri !== record.redirectUri)
    throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
  if (!VERIFIER.test(verifier) || !digestsEqual(await sha256(verifier), record.codeChallenge))
    throw new OAuthError('invalid_grant', 'PKCE verification failed');

  // The client's scopes may have shrunk since the user consented.
  const scopes = record.scopes.filter((s) => client.scopes.includes(s));
  const audience = record.audience.filter((a) => client.audience.includes(a));
  if (audience.length === 0)
    throw new OAuthError('invalid_target', 'the audience is no longer allowed');
  const withRefresh = client.grantTypes.includes('refresh_token') && ctx.refreshTokenTtl > 0;
  const familyExpiresAt = now + ctx.refreshTokenTtl * 1000;
  const family = { id: record.familyId, expiresAt: Math.max(familyExpiresAt, record.retainUntil) };
  const at = await issueAccessToken(ctx, {
    sub: record.userId,
    client,
    scopes,
    audience,
    claims: record.claims,
    family,
    jkt,
  });
  const refreshToken = withRefresh
    ? await issueRefreshToken(ctx, {
        familyId: record.familyId,
        client,
        userId: record.userId,
        scopes,
        audience,
        claims: bindRefresh(record.claims, client.clientSecretHash === undefined ? jkt : undefined),
        expiresAt: familyExpiresAt,
      })
    : undefined;
  return tokenResponse(at.token, at.expiresIn, scopes, refreshToken, jkt);
}

async function refreshToken(ctx: Context, auth: AuthenticatedClient, params: Params, proof: Proof) {
  requireGrant(auth, 'refresh_token');
  const { client } = auth;
  const token = params.get('refresh_token');
  if (token === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
  const invalid = new OAuthError('invalid_grant', 'invalid or expired refresh token');
  const parsed = await parseRefreshToken(token);
  if (parsed === undefined) throw invalid;
  const jkt = await proof();
  // Checked before consuming: a family revoked while this request runs (a reuse racing it)
  // no longer stops it; what it issues then is revoked with the family, after the fact.
  if (await ctx.refreshTokens.isFamilyRevoked(parsed.familyId)) throw invalid;
  const now = ctx.now();
  const consumed = await ctx.refreshTokens.consume(parsed.familyId, parsed.tokenHash, now);
  if (consumed === undefined) throw invalid;
  const { record } = consumed;
  const until = Math.max(record.expiresAt, now + ctx.accessTokenTtl * 1000);
  if (consumed.alreadyUsed) {
    // A client racing itself (two tabs refreshing at once) loses without harm; past the
    // leeway, RFC 9700 §4.14.2 applies: reuse revokes the whole family.
    const used = new OAuthError('invalid_grant', 'refresh token already used');
    // `0` means no leeway at all, also for a reuse in the same millisecond.
    const leeway = ctx.refreshReuseLeeway * 1000;
    if (leeway > 0 && now - consumed.usedAt <= leeway) throw used;
    await revokeFamily(ctx, record.familyId, until);
    throw used;
  }
  if (record.clientId !== client.clientId) {
    // Another client holds this client's token: treat it as stolen.
    await revokeFamily(ctx, record.familyId, until);
    throw invalid;
  }
  if (record.expiresAt <= now) throw invalid;
  // RFC 9449 §5: a public client's refresh token only works with a proof by the key it is bound to.
  const bound = boundKey(record.claims);
  if (bound !== undefined && bound !== jkt)
    throw new OAuthError('invalid_grant', 'the refresh token is bound to another DPoP key');

  const scopes = resolveScopes(
    params.get('scope'),
    record.scopes.filter((s) => client.scopes.includes(s)),
  );
  const allowed = record.audience.filter((a) => client.audience.includes(a));
  const resources = params.getAll('resource');
  const audience = resources.length > 0 ? resolveAudience(resources, allowed) : allowed;
  if (audience.length === 0)
    throw new OAuthError('invalid_target', 'the audience is no longer allowed');
  // Always rotate: the new token keeps the grant's scopes and the family's absolute expiry.
  const next = await issueRefreshToken(ctx, {
    familyId: record.familyId,
    client,
    userId: record.userId,
    scopes: record.scopes,
    audience: record.audience,
    // RFC 9449 §5: a refresh token issued to a public client that proves a key is bound to it,
    // also when the token it replaces was not (else a stolen rotated token works without the key).
    claims:
      bound === undefined && client.clientSecretHash === undefined
        ? bindRefresh(record.claims, jkt)
        : record.claims,
    expiresAt: record.expiresAt,
  });
  const at = await issueAccessToken(ctx, {
    sub: record.userId,
    client,
    scopes,
    audience,
    claims: record.claims,
    family: { id: record.familyId, expiresAt: record.expiresAt },
    jkt,
  });
  return tokenResponse(at.token, at.expiresIn, scopes, next, jkt);
}

// The refresh record keeps a public client's DPoP binding beside the grant's claims; `cnf` is
// reserved, so it never reaches an access token from there.
const boundKey = (claims: Record<string, unknown> | undefined): string | undefined => {
  const cnf = claims?.cnf;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  return typeof jkt === 'string' ? jkt : undefined;
};
const bindRefresh = (claims: Record<string, unknown> | undefined, jkt: string | undefined) =>
  jkt === undefined ? claims : { ...claims, cnf: { jkt } };

/** The DPoP key a token request proves possession of, if it sends a proof (RFC 9449 §5). */
async function dpopKey(ctx: Context, request: Incoming): Promise<string | undefined> {
  if (!ctx.dpop || request.headers.get('dpop') === null) return undefined;
  const checked = await ctx.dpop(request);
  if (checked.ok) return checked.jkt;
  const { error } = checked;
  throw new OAuthError(
    error.code === 'use_dpop_nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof',
    error.code === 'use_dpop_nonce' ? 'a DPoP nonce is required' : 'invalid DPoP proof',
    400,
    { ...error.headers },
  );
}

/** `POST /token` (RFC 6749 §3.2). */
export async function tokenEndpoint(ctx: Context, request: Incoming): Promise<Reply> {
  const params = await readForm(request);
  const grantType = params.get('grant_type');
  noteGrant(request, grantType);
  if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
  const handler =
    grantType === 'client_credentials'
      ? clientCredentials
      : grantType === 'authorization_code'
        ? authorizationCode
        : grantType === 'refresh_token'
          ? refreshToken
          : undefined;
  const auth = await authenticateClient(request, params, ctx.clients, {
    realm: ctx.issuer,
    allowPublic: true,
  });
  if (!handler) throw new OAuthError('unsupported_grant_type', 'the grant_type is not supported');
  // The proof is checked last (RFC 9449 §5 leaves the order open): a request from an unknown
  // client or with a malformed grant costs no signature verification.
  return await handler(ctx, auth, params, () => dpopKey(ctx, request));
}
