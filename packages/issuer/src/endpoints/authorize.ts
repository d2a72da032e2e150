import type { Context } from '../lib/context.js';
import { randomToken, sha256 } from '../lib/crypto.js';
import { fromRequest } from '../lib/exchange.js';
import { OAuthError, readFormBody, safeDescription, toParams } from '../lib/http.js';
import { resolveAudience, resolveScopes } from '../lib/policy.js';
import type { AuthorizeContext, ClientInfo } from '../options.js';
import { redirectUriMatches } from '../registration/redirect-uri.js';
import type { ClientRecord } from '../stores/types.js';

const HOOK_ERRORS = new Set([
  'access_denied',
  'login_required',
  'consent_required',
  'interaction_required',
]);
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
// RFC 6749 Appendix A.5: state is VSCHAR.
const STATE = /^[\x20-\x7e]{1,2048}$/;

function redirect(
  ctx: Context,
  redirectUri: string,
  state: string | undefined,
  values: Record<string, string | undefined>,
): Response {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(values))
    if (value !== undefined) url.searchParams.append(name, value);
  if (state !== undefined) url.searchParams.append('state', state);
  // RFC 9207: the issuer identifies itself in every authorization response.
  url.searchParams.append('iss', ctx.issuer);
  return new Response(null, {
    status: 302,
    headers: { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  });
}

const clientInfo = ({
  clientSecretHash,
  registration,
  provenance,
  ...client
}: ClientRecord): ClientInfo => ({
  ...client,
  public: clientSecretHash === undefined,
  provenance: provenance ?? 'preregistered',
});

/** `GET|POST /authorize` (RFC 6749 §4.1.1, RFC 7636, RFC 9207). */
export async function authorizeEndpoint(ctx: Context, request: Request): Promise<Response> {
  // Errors before the redirect URI is trusted are thrown, so shown, never redirected
  // (RFC 6749 §4.1.2.1).
  // A clone, so that the host's hook can still read the body; bounded like every body.
  const raw =
    request.method === 'POST'
      ? await readFormBody(fromRequest(request.clone()))
      : new URL(request.url).searchParams;
  const params = toParams(raw);
  const clientId = params.get('client_id');
  if (clientId === undefined) throw new OAuthError('invalid_request', 'client_id is required');
  const client = await ctx.clients.get(clientId);
  if (!client) throw new OAuthError('invalid_request', 'unknown client_id');
  const given = params.get('redirect_uri');
  const redirectUriInRequest = given !== undefined;
  let redirectUri: string;
  if (given !== undefined) {
    if (!redirectUriMatches(client, given))
      throw new OAuthError('invalid_request', 'redirect_uri is not registered for this client');
    redirectUri = given;
  } else if (client.redirectUris.length === 1) {
    redirectUri = client.redirectUris[0]!;
  } else {
    throw new OAuthError('invalid_request', 'redirect_uri is required');
  }

  const rawState = params.get('state');
  const state = rawState !== undefined && STATE.test(rawState) ? rawState : undefined;
  const fail = (error: string, description?: string) => {
    ctx.errors.refused('authorize', error, 302);
    return redirect(ctx, redirectUri, state, {
      error,
      error_description: safeDescription(description),
    });
  };
  try {
    if (rawState !== undefined && state === undefined)
      return fail('invalid_request', 'state must be printable ASCII, at most 2048 characters');
    const responseType = params.get('response_type');
    if (responseType === undefined) return fail('invalid_request', 'response_type is required');
    if (responseType !== 'code')
      return fail('unsupported_response_type', 'only response_type=code is supported');
    if (!client.grantTypes.includes('authorization_code'))
      return fail('unauthorized_client', 'this client may not use the authorization code flow');
    const challenge = params.get('code_challenge');
    if (challenge === undefined)
      return fail('invalid_request', 'code_challenge is required (PKCE)');
    if (params.get('code_challenge_method') !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256');
    if (!CHALLENGE.test(challenge)) return fail('invalid_request', 'malformed code_challenge');
    const scopes = resolveScopes(params.get('scope'), client.scopes);
    const audience = resolveAudience(params.getAll('resource'), client.audience);

    const context: AuthorizeContext = {
      client: clientInfo(client),
      scopes,
      audience,
      redirectUri,
      state,
      params: raw,
    };
    const decision = await ctx.authorize!(request, context);
    if (decision instanceof Response) return decision;
    if ('error' in decision) {
      if (!HOOK_ERRORS.has(decision.error))
        throw new TypeError(
          `authorize hook: \`error\` must be one of ${[...HOOK_ERRORS].join(', ')}`,
        );
      // The host's text, passed on only when within RFC 6749's character set.
      return fail(decision.error, decision.errorDescription);
    }
    if (typeof decision.userId !== 'string' || decision.userId === '')
      throw new TypeError('authorize hook: `userId` must be a non-empty string');
    const consented = decision.scopes ? [...new Set(decision.scopes)] : scopes;
    if (consented.some((s) => !scopes.includes(s)))
      throw new TypeError('authorize hook: `scopes` must be a subset of `context.scopes`');

    const code = randomToken();
    const now = ctx.now();
    const expiresAt = now + ctx.codeTtl * 1000;
    await ctx.codes.save({
      codeHash: await sha256(code),
      clientId: client.clientId,
      redirectUri,
      redirectUriInRequest,
      userId: decision.userId,
      scopes: consented,
      audience,
      codeChallenge: challenge,
      familyId: crypto.randomUUID(),
      claims: decision.claims,
      issuedAt: now,
      expiresAt,
      // Long enough to recognise a replay (and revoke what the code gave) while an access token
      // from it may still be alive; the family's own revocation mark outlives its refresh tokens.
      retainUntil: expiresAt + ctx.accessTokenTtl * 1000,
    });
    return redirect(ctx, redirectUri, state, { code });
  } catch (error) {
    const refused = ctx.errors.refuse('authorize', error);
    return fail(refused.code, refused.description);
  }
}
