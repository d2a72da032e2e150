import { base64url } from 'jose';
import { AuthError, type AuthResult } from '../errors.js';
import { BoundedCache } from '../lib/bounded-cache.js';
import { sha256Digest } from '../lib/digest.js';
import { type FetchLike, fetchJson } from '../lib/fetch-json.js';
import { deepFreeze, readonlyDate, readonlyScopes } from '../lib/frozen.js';
import { EventHub, OBSERVE } from '../observe/events.js';
import type { IntrospectionClaims, OpaquePrincipal } from '../principal.js';
import type { AuthFailureReason } from '../reasons.js';
import type { Scheme } from '../scheme.js';
import { parseScopes } from '../scopes.js';

export interface IntrospectionOptions {
  /** The authorization server's RFC 7662 endpoint. */
  endpoint: string;
  /** This resource server's client credentials at the authorization server. */
  clientId: string;
  clientSecret: string;
  /** Default `client_secret_basic`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** When set, the response's `iss` must equal it. */
  issuer?: string;
  /** When set, the response's `aud` must be, or contain, one of these. */
  audience?: string | readonly string[];
  /** Deadline of one introspection call. Default 3 seconds. */
  timeoutMs?: number;
  /** Largest response accepted. Default 16 KiB. */
  maxResponseBytes?: number;
  /**
   * Active results cached, never past `exp` nor `maxAgeMs` (default 1000 entries, 60 s); `false`
   * turns it off. Keyed by the token's SHA-256, never the token.
   */
  cache?: { maxEntries?: number; maxAgeMs?: number } | false;
  /**
   * Refused tokens (inactive, expired, wrong audience…) remembered by their SHA-256, so a token
   * sent again and again costs one call per `maxAgeMs`. Default 1000 entries, 10 s; `false` off.
   * Endpoint failures are never remembered.
   */
  negativeCache?: { maxEntries?: number; maxAgeMs?: number } | false;
  /**
   * Most introspection calls in flight at once (default 32). Concurrent requests with the same
   * token share one call; beyond the bound a request is refused with 503
   * `temporarily_unavailable` and `Retry-After`, whatever `onUnavailable` says: the token may be
   * good, so the client must retry rather than refresh it.
   */
  maxConcurrent?: number;
  /**
   * When the endpoint fails or times out: `invalid_token` (401, default) or
   * `temporarily_unavailable` (503) so clients retry instead of refreshing.
   */
  onUnavailable?: 'invalid_token' | 'temporarily_unavailable';
  fetch?: FetchLike;
  now?: () => number;
}

const invalid = (cause: unknown, reason: AuthFailureReason) =>
  new AuthError('invalid_token', { cause, reason });
// Seconds a client is asked to wait: an overloaded lookup clears fast, a failing endpoint less so.
const RETRY_AFTER_BUSY = '1';
const RETRY_AFTER_FAILURE = '5';
const positiveInt = (v: unknown, name: string) => {
  if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 1))
    throw new TypeError(`introspection: \`${name}\` must be a positive integer`);
  return v as number | undefined;
};
const digestOf = (token: string) => base64url.encode(sha256Digest(new TextEncoder().encode(token)));
/** A refusal remembered by the negative cache: it never reaches the endpoint again. */
interface Refusal {
  readonly cause: unknown;
  readonly reason: AuthFailureReason;
}
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Opaque tokens verified by RFC 7662 introspection. Put it after `jwt(...)` in the schemes: it
 * takes the bearer tokens that are not JWTs (or all bearer tokens when it is alone).
 */
export function introspection(options: IntrospectionOptions): Scheme<OpaquePrincipal> {
  new URL(options.endpoint);
  if (!options.clientId || !options.clientSecret) {
    throw new TypeError('introspection: `clientId` and `clientSecret` are required');
  }
  const audience = options.audience === undefined ? undefined : [options.audience].flat();
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const maxBytes = options.maxResponseBytes ?? 16_384;
  const maxAgeMs = options.cache === false ? 0 : (options.cache?.maxAgeMs ?? 60_000);
  const cache =
    options.cache === false
      ? undefined
      : new BoundedCache<string, OpaquePrincipal>({
          maxEntries: positiveInt(options.cache?.maxEntries, 'cache.maxEntries') ?? 1000,
          now,
        });
  const negative =
    options.negativeCache === false
      ? undefined
      : new BoundedCache<string, Refusal>({
          maxEntries:
            positiveInt(options.negativeCache?.maxEntries, 'negativeCache.maxEntries') ?? 1000,
          now,
        });
  const negativeMaxAgeMs =
    options.negativeCache === false ? 0 : (options.negativeCache?.maxAgeMs ?? 10_000);
  const maxConcurrent = positiveInt(options.maxConcurrent, 'maxConcurrent') ?? 32;
  // One call per token digest at a time; `calls` counts them against `maxConcurrent`.
  const inflight = new Map<string, Promise<Looked>>();
  let calls = 0;
  const basic = options.authMethod !== 'client_secret_post';
  // RFC 6749 §2.3.1: each part is form-urlencoded (so ASCII, fit for btoa) before Basic encoding.
  const authorization = `Basic ${btoa(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`)}`;
  const unavailable = options.onUnavailable ?? 'invalid_token';

  // `definitive`: the endpoint answered, so a refusal may be remembered.
  type Looked = { result: AuthResult<OpaquePrincipal>; definitive: boolean };
  const hub = new EventHub();
  const introspect = async (token: string): Promise<Looked> => {
    let body: unknown;
    try {
      body = await call(token);
      if (hub.active) hub.emit({ type: 'introspection', ok: true });
    } catch (cause) {
      if (hub.active) hub.emit({ type: 'introspection', ok: false, error: cause });
      const headers =
        unavailable === 'temporarily_unavailable'
          ? { 'retry-after': RETRY_AFTER_FAILURE }
          : undefined;
      return {
        result: {
          ok: false,
          error: new AuthError(unavailable, {
            cause,
            headers,
            reason: 'introspection_unavailable',
          }),
        },
        definitive: false,
      };
    }
    return { result: judge(body), definitive: true };
  };

  const call = (token: string): Promise<unknown> => {
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    if (!basic) {
      form.set('client_id', options.clientId);
      form.set('client_secret', options.clientSecret);
    }
    return fetchJson(options.endpoint, {
      fetch: options.fetch,
      timeoutMs,
      maxBytes,
      form,
      ...(basic && { headers: { authorization } }),
    });
  };

  const judge = (body: unknown): AuthResult<OpaquePrincipal> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {
        ok: false,
        error: invalid(
          new Error('introspection response is not an object'),
          'introspection_unavailable',
        ),
      };
    }
    const claims = body as Record<string, unknown>;
    if (claims.active !== true)
      return { ok: false, error: invalid(new Error('token is not active'), 'token_inactive') };
    // Only access tokens authorize requests: an authorization server that describes a refresh
    // token to this client must not turn it into one.
    if (claims.token_type === 'refresh_token')
      return {
        ok: false,
        error: invalid(new Error('a refresh token is not an access token'), 'typ_mismatch'),
      };
    // RFC 9449 §7.1 / RFC 8705 §3: a sender-constrained token (`cnf`) is never accepted as a bearer
    // token, and this scheme only takes bearer tokens: a stolen bound token would work without its key.
    if (claims.cnf !== undefined && claims.cnf !== null)
      return {
        ok: false,
        error: invalid(
          new Error('sender-constrained (cnf) token sent as Bearer'),
          'token_sender_constrained',
        ),
      };
    const t = now() / 1000;
    const exp = finite(claims.exp);
    if (claims.exp !== undefined && exp === undefined)
      return { ok: false, error: invalid(new Error('exp is not a number'), 'claim_invalid') };
    if (exp !== undefined && exp <= t)
      return { ok: false, error: invalid(new Error('token expired'), 'token_expired') };
    const nbf = finite(claims.nbf);
    if (claims.nbf !== undefined && nbf === undefined)
      return { ok: false, error: invalid(new Error('nbf is not a number'), 'claim_invalid') };
    if (nbf !== undefined && nbf > t)
      return { ok: false, error: invalid(new Error('token not yet valid'), 'token_not_yet_valid') };
    if (options.issuer !== undefined && claims.iss !== options.issuer) {
      return { ok: false, error: invalid(new Error('unexpected iss'), 'issuer_mismatch') };
    }
    const aud =
      typeof claims.aud === 'string'
        ? [claims.aud]
        : Array.isArray(claims.aud)
          ? claims.aud.filter((a): a is string => typeof a === 'string')
          : [];
    if (audience && !aud.some((a) => audience.includes(a)))
      return { ok: false, error: invalid(new Error('unexpected aud'), 'audience_mismatch') };
    const clientId = str(claims.client_id);
    const sub = str(claims.sub);
    const id = sub ?? clientId;
    if (id === undefined)
      return { ok: false, error: invalid(new Error('no sub nor client_id'), 'claim_missing') };
    const authTime = finite(claims.auth_time);
    // Frozen: the cache hands this one object to every request with the same token.
    const principal: OpaquePrincipal = Object.freeze({
      scheme: 'opaque' as const,
      kind: sub === undefined || sub === clientId ? ('service' as const) : ('user' as const),
      id,
      scopes: readonlyScopes(parseScopes(claims.scope)),
      clientId,
      issuer: str(claims.iss),
      audience: Object.freeze([...aud]),
      expiresAt: exp === undefined ? undefined : readonlyDate(exp * 1000),
      acr: str(claims.acr),
      authTime: authTime === undefined ? undefined : readonlyDate(authTime * 1000),
      claims: deepFreeze(claims) as IntrospectionClaims,
    });
    return { ok: true, principal };
  };

  const scheme: Scheme<OpaquePrincipal> = {
    name: 'opaque',
    challenge: 'Bearer',
    accepts: (credential) => credential.slot === 'bearer',
    async verify(credential) {
      const token = credential.token;
      if (token.length > 4096)
        return { ok: false, error: invalid(new Error('token too long'), 'token_too_long') };
      const t = now();
      const digest = digestOf(token);
      const hit = cache?.get(digest);
      if (cache && hub.active)
        hub.emit({ type: 'token_cache', scheme: 'opaque', hit: hit !== undefined });
      if (hit) return { ok: true, principal: hit };
      const refused = negative?.get(digest);
      if (refused) return { ok: false, error: invalid(refused.cause, refused.reason) };
      let pending = inflight.get(digest);
      if (!pending) {
        if (calls >= maxConcurrent) {
          return {
            ok: false,
            error: new AuthError('temporarily_unavailable', {
              cause: new Error(`${maxConcurrent} introspection calls already in flight`),
              reason: 'introspection_overloaded',
              headers: { 'retry-after': RETRY_AFTER_BUSY },
            }),
          };
        }
        calls++;
        pending = introspect(token).finally(() => {
          calls--;
          inflight.delete(digest);
        });
        inflight.set(digest, pending);
        const { result, definitive } = await pending;
        if (result.ok && cache) {
          const exp = result.principal.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
          cache.set(digest, result.principal, Math.min(exp, t + maxAgeMs));
        } else if (!result.ok && definitive && negative && negativeMaxAgeMs > 0) {
          negative.set(
            digest,
            { cause: result.error.cause, reason: result.error.reason },
            t + negativeMaxAgeMs,
          );
        }
        return result;
      }
      return (await pending).result;
    },
  };
  return Object.assign(scheme, {
    [OBSERVE]: (sink: Parameters<EventHub['add']>[0]) => hub.add(sink),
  });
}
