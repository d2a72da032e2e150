import { type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { ClientRecord } from '../stores/types.js';
import type { Context } from './context.js';
import { randomToken, sha256 } from './crypto.js';

// Claims the issuer sets itself: an `authorize` hook's claims never override them.
const RESERVED = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'cnf',
]);

export interface AccessTokenInput {
  sub: string;
  client: ClientRecord;
  scopes: readonly string[];
  audience: readonly string[];
  claims?: Record<string, unknown> | undefined;
  /** Tracks the token in a refresh-token family so that revoking the family revokes it. */
  family?: { id: string; expiresAt: number } | undefined;
  /** Binds the token to this DPoP key thumbprint (`cnf.jkt`, RFC 9449 §6). */
  jkt?: string | undefined;
}

/** Signs an RFC 9068 access token. */
export async function issueAccessToken(
  ctx: Context,
  input: AccessTokenInput,
): Promise<{ token: string; jti: string; expiresIn: number }> {
  const key = await ctx.keys.current();
  const iat = Math.floor(ctx.now() / 1000);
  const exp = iat + ctx.accessTokenTtl;
  const jti = crypto.randomUUID();
  const extra: JWTPayload = {};
  for (const [name, value] of Object.entries(input.claims ?? {}))
    if (!RESERVED.has(name)) extra[name] = value;
  const payload: JWTPayload = { ...extra, client_id: input.client.clientId };
  if (input.scopes.length > 0) payload.scope = input.scopes.join(' ');
  if (input.jkt !== undefined) payload.cnf = { jkt: input.jkt };
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: ctx.keys.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(ctx.issuer)
    .setSubject(input.sub)
    .setAudience(input.audience.length === 1 ? input.audience[0]! : [...input.audience])
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(key.privateKey);
  if (input.family) {
    const tracked = await ctx.refreshTokens.trackAccessToken(
      input.family.id,
      { jti, expiresAt: exp * 1000 },
      input.family.expiresAt,
    );
    if (!tracked) {
      // Revoked since this request consumed its code or refresh token (a replay racing it,
      // RFC 9700 §4.14): the request still wins, and its token is revoked after the fact.
      await ctx.revocations.revoke(jti, exp * 1000);
      return { token, jti, expiresIn: ctx.accessTokenTtl };
    }
    // A family tracks a bounded number of live access tokens: older ones are revoked now.
    await Promise.all(tracked.map((t) => ctx.revocations.revoke(t.jti, t.expiresAt)));
  }
  return { token, jti, expiresIn: ctx.accessTokenTtl };
}

// `<family id>.<256 random bits>`: a token names its family, so that any earlier token of a known
// family is recognised as reuse without the store keeping past tokens (RFC 9700 §4.14.2).
const REFRESH_TOKEN = /^([A-Za-z0-9-]{1,64})\.[A-Za-z0-9_-]{43}$/;

/** The family a refresh token names, with the hash the store knows it by; `undefined` if malformed. */
export async function parseRefreshToken(
  token: string,
): Promise<{ familyId: string; tokenHash: string } | undefined> {
  const familyId = REFRESH_TOKEN.exec(token)?.[1];
  return familyId === undefined ? undefined : { familyId, tokenHash: await sha256(token) };
}

/** Creates a refresh token and makes it its family's current one; returns the token itself. */
export async function issueRefreshToken(
  ctx: Context,
  input: {
    familyId: string;
    client: ClientRecord;
    userId: string;
    scopes: string[];
    audience: string[];
    claims?: Record<string, unknown> | undefined;
    expiresAt: number;
  },
): Promise<string> {
  const token = `${input.familyId}.${randomToken()}`;
  await ctx.refreshTokens.save({
    tokenHash: await sha256(token),
    familyId: input.familyId,
    clientId: input.client.clientId,
    userId: input.userId,
    scopes: input.scopes,
    audience: input.audience,
    claims: input.claims,
    issuedAt: ctx.now(),
    expiresAt: input.expiresAt,
  });
  return token;
}

/** Revokes a family and every access token issued in it. */
export async function revokeFamily(ctx: Context, familyId: string, until: number): Promise<void> {
  const tracked = await ctx.refreshTokens.revokeFamily(familyId, until);
  await Promise.all(tracked.map((t) => ctx.revocations.revoke(t.jti, t.expiresAt)));
}

const JWS_SHAPE = /^[^.]+\.[^.]+\.[^.]*$/;

/** An access token this issuer signed, still unexpired; `undefined` for anything else. */
export async function verifyOwnAccessToken(
  ctx: Context,
  token: string,
): Promise<JWTPayload | undefined> {
  if (!JWS_SHAPE.test(token) || token.length > 8192) return undefined;
  try {
    const { payload } = await jwtVerify(token, await ctx.keys.verifier(), {
      issuer: ctx.issuer,
      typ: 'at+jwt',
      algorithms: [ctx.keys.alg],
      currentDate: new Date(ctx.now()),
      clockTolerance: 0,
      requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'sub', 'aud'],
    });
    return payload;
  } catch {
    return undefined;
  }
}
