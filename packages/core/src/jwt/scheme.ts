import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from 'jose';
import { proofContext, type ResourceDpopOptions, verifyProof } from '../dpop/proof.js';
import { MemoryReplayStore } from '../dpop/replay.js';
import { AuthError, type AuthResult } from '../errors.js';
import type { Credential } from '../extract.js';
import { BoundedCache } from '../lib/bounded-cache.js';
import type { FetchLike } from '../lib/fetch-json.js';
import { deepFreeze, readonlyDate, readonlyScopes } from '../lib/frozen.js';
import { EventHub, OBSERVE, type SchemeEvent } from '../observe/events.js';
import type { JwtClaims, JwtPrincipal } from '../principal.js';
import type { AuthFailureReason } from '../reasons.js';
import type { RequestView } from '../request.js';
import type { Scheme } from '../scheme.js';
import { parseScopes } from '../scopes.js';
import { checkAlgorithms, type JwtAlgorithm } from './algorithms.js';
import { isCanonicalJws, isJwsShape } from './compact.js';
import { discoverJwksUri } from './discovery.js';
import { joseReason, KeySourceUnavailable } from './failure.js';
import { type LocalKeys, localKeyResolver } from './local-keys.js';
import { type RemoteKeysOptions, remoteKeyResolver } from './remote-keys.js';

/**
 * For providers whose access tokens carry no `aud` (Amazon Cognito): the token's `client_id` must
 * be one of these, and `aud` is not checked. Pair it with `claimValues` that tell an access token
 * from an ID token (`token_use: 'access'`).
 */
export interface ClientIdAudience {
  clientIds: string | readonly string[];
}

/** What a claims mapping reads: the verified payload. */
export type ClaimsMapping<T> = (claims: JWTPayload) => T;

/** What every `jwt()` configuration has, whatever its key source. */
export interface JwtBaseOptions<Claims = JwtClaims> {
  /** Exact expected `iss`. */
  issuer: string;
  /**
   * This API's identifier: the token's `aud` must be, or contain, one of these. Or `{ clientIds }`
   * for providers that document no audience in access tokens (Cognito).
   */
  audience: string | readonly string[] | ClientIdAudience;
  /** Required allowlist; each key only verifies algorithms of its own type. */
  algorithms: readonly JwtAlgorithm[];
  /** Remote JWKS and discovery tuning. */
  jwks?: RemoteKeysOptions;
  fetch?: FetchLike;
  /** Seconds of leeway on `exp`, `nbf` and `iat`. Default 5. */
  clockTolerance?: number;
  /** Greatest age in seconds since `iat`; makes `iat` required. */
  maxTokenAge?: number;
  /** Required `typ` header. Default `at+jwt` (RFC 9068); `false` for providers that don't set it. */
  typ?: string | false;
  /** Claims that must be present, beyond `exp`, `iss` and `aud`. */
  requiredClaims?: readonly string[];
  /** Extension header parameters understood when listed in `crit`. */
  crit?: Record<string, boolean>;
  /** A Standard Schema (zod, valibot…) for the claims; its output types `principal.claims`. */
  claims?: StandardSchemaV1<unknown, Claims>;
  /** Decides `user` or `service`; default: client-credentials tokens are services. */
  kind?: (claims: JWTPayload) => 'user' | 'service';
  /**
   * `principal.scopes`, from the claims. Default: the RFC 9068 `scope` string and an `scp`
   * string or array. Values that are not non-empty strings are dropped.
   */
  scopes?: ClaimsMapping<Iterable<string>>;
  /** `principal.roles`, from the claims. Default: a `roles` array (RFC 9068 §2.2.3.1). */
  roles?: ClaimsMapping<Iterable<string>>;
  /** `principal.clientId`, from the claims. Default: `client_id`, else `azp`. */
  clientId?: ClaimsMapping<string | undefined>;
  /** Claims that must be present with exactly this string value (`token_use: 'access'`). */
  claimValues?: Readonly<Record<string, string>>;
  /** Verified-token cache, on by default with 1000 entries; `false` turns it off. */
  cache?: { maxEntries?: number } | false;
  /** Runs on every request, cache hits included: `true` refuses the token. */
  isRevoked?: (principal: JwtPrincipal<Claims>) => boolean | Promise<boolean>;
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenLength?: number;
  /**
   * Accept DPoP-bound tokens (RFC 9449) as `Authorization: DPoP` with a `DPoP` proof, checked
   * against `origins`, the origin(s) this API is served at (required). A token bound with `cnf` is
   * never accepted as Bearer.
   */
  dpop?: ResourceDpopOptions | false;
  /** Clock, in milliseconds (tests). */
  now?: () => number;
}

/**
 * Where the verification keys come from: exactly one of these, so a configuration without a key
 * source (or with two) fails to compile, not only at start. The others are `never` to keep them out.
 */
export type JwtKeySource =
  | {
      /** Local verification keys (JWK, JWKS, PEM, CryptoKey, KeyObject). */
      keys: LocalKeys;
      jwksUri?: never;
      discovery?: false;
      secret?: never;
    }
  | {
      /** A remote JWKS. */
      jwksUri: string;
      keys?: never;
      discovery?: false;
      secret?: never;
    }
  | {
      /** Find `jwks_uri` from the issuer's metadata (RFC 8414, then OpenID Connect Discovery). */
      discovery: true;
      keys?: never;
      jwksUri?: never;
      secret?: never;
    }
  | {
      /** HMAC secret (at least 32 bytes), only with HS* algorithms. */
      secret: string | Uint8Array;
      keys?: never;
      jwksUri?: never;
      discovery?: false;
    };

/** The options of `jwt()`: the shared ones and exactly one key source. */
export type JwtOptions<Claims = JwtClaims> = JwtBaseOptions<Claims> & JwtKeySource;

// RFC 9449 §7.1: every DPoP challenge names the proof algorithms accepted.
const withAlgs = (error: AuthError, algs: readonly string[]) => ({
  ok: false as const,
  error:
    error.params.algs !== undefined
      ? error
      : new AuthError(error.code, {
          cause: error.cause,
          reason: error.reason,
          scheme: 'DPoP',
          scopes: error.scopes,
          params: { ...error.params, algs: algs.join(' ') },
          headers: error.headers,
        }),
});
const NUMERIC_DATES = ['exp', 'nbf', 'iat', 'auth_time'] as const;
// 9999-12-31T23:59:59Z: the last second every runtime's `Date` (and `toISOString`) can hold.
const MAX_NUMERIC_DATE = 253_402_300_799;
const isNumericDate = (v: unknown) => typeof v === 'number' && v >= 0 && v <= MAX_NUMERIC_DATE;
// RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4.2: strings when present.
const STRING_CLAIMS = ['iss', 'sub', 'jti', 'client_id', 'scope'] as const;
const isAudience = (aud: unknown) =>
  aud === undefined ||
  typeof aud === 'string' ||
  (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
const CACHE_HIT: SchemeEvent = Object.freeze({ type: 'token_cache', scheme: 'jwt', hit: true });
const CACHE_MISS: SchemeEvent = Object.freeze({ type: 'token_cache', scheme: 'jwt', hit: false });
const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);
// An outage of the key source is no fault of the client's: 503 with `Retry-After`, not 401.
const invalid = (cause: unknown, reason: AuthFailureReason = joseReason(cause)) =>
  cause instanceof KeySourceUnavailable
    ? new AuthError('temporarily_unavailable', {
        cause,
        reason,
        headers: { 'retry-after': String(cause.retryAfter) },
      })
    : new AuthError('invalid_token', { cause, reason });
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const defaultScopes = (claims: JWTPayload) => parseScopes(claims.scope, claims.scp);
const defaultRoles = (claims: JWTPayload) => (Array.isArray(claims.roles) ? claims.roles : []);
const defaultClientId = (claims: JWTPayload) => str(claims.client_id) ?? str(claims.azp);

// What a mapping returned, as a set of non-empty strings: it may come from any claim shape.
function stringSet(values: unknown): Set<string> {
  const out = new Set<string>();
  if (typeof values !== 'object' || values === null || !(Symbol.iterator in values)) return out;
  for (const v of values as Iterable<unknown>) if (typeof v === 'string' && v !== '') out.add(v);
  return out;
}

const nonEmptyList = (value: unknown, name: string): string[] => {
  const list = typeof value === 'string' ? [value] : [...((value as string[] | undefined) ?? [])];
  if (list.length === 0 || list.some((a) => typeof a !== 'string' || a === '')) {
    throw new TypeError(`jwt: \`${name}\` must be a non-empty string or list of them`);
  }
  return list;
};

// The audience rule, checked once: audiences, or (only when asked) allowed clients.
function audienceRule(audience: unknown) {
  if (audience === undefined || audience === null)
    throw new TypeError('jwt: `audience` is required');
  if (typeof audience === 'object' && !Array.isArray(audience)) {
    const { clientIds } = audience as { clientIds?: unknown };
    return { audience: undefined, clientIds: nonEmptyList(clientIds, 'audience.clientIds') };
  }
  return { audience: nonEmptyList(audience, 'audience'), clientIds: undefined };
}

function checkClaimValues(values: Readonly<Record<string, string>> | undefined) {
  const entries = Object.entries(values ?? {});
  for (const [name, value] of entries) {
    if (name === '' || typeof value !== 'string')
      throw new TypeError('jwt: `claimValues` maps claim names to strings');
  }
  return entries;
}

function defaultKind(claims: JWTPayload): 'user' | 'service' {
  const clientId = str(claims.client_id) ?? str(claims.azp);
  if (claims.gty === 'client-credentials' || claims.gty === 'client_credentials') return 'service';
  // An empty (or non-string) `sub` is no subject, as for the principal's `id` below: such a
  // token identifies its client, so it must not become a `user` named after that client.
  const sub = str(claims.sub);
  if (sub === undefined || (clientId !== undefined && sub === clientId)) return 'service';
  return 'user';
}

function keySource<C>(
  options: JwtOptions<C>,
  algorithms: string[],
  hub: EventHub,
): JWTVerifyGetKey | (JWTVerifyGetKey & { warmup(): Promise<void> }) | Uint8Array {
  const given = [
    options.keys,
    options.jwksUri,
    options.discovery || undefined,
    options.secret,
  ].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new TypeError(
      'jwt: configure exactly one of `keys`, `jwksUri`, `discovery: true` or `secret`',
    );
  }
  if (options.secret !== undefined) {
    const secret =
      typeof options.secret === 'string'
        ? new TextEncoder().encode(options.secret)
        : options.secret;
    if (secret.byteLength < 32)
      throw new TypeError('jwt: an HMAC `secret` must be at least 32 bytes');
    return secret;
  }
  if (options.keys !== undefined) return localKeyResolver(options.keys, algorithms);
  const tuning = options.jwks ?? {};
  if (options.jwksUri !== undefined) {
    new URL(options.jwksUri);
    return remoteKeyResolver(options.jwksUri, {
      ...tuning,
      fetch: options.fetch,
      now: options.now,
      hub,
    });
  }
  let discovered: Promise<string> | undefined;
  const uri = () => {
    discovered ??= discoverJwksUri(options.issuer, {
      fetch: options.fetch,
      timeoutMs: tuning.timeoutMs ?? 5_000,
      maxBytes: tuning.maxResponseBytes ?? 65_536,
    }).catch((error: unknown) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  };
  return remoteKeyResolver(uri, { ...tuning, fetch: options.fetch, now: options.now, hub });
}

/**
 * The JWT access token scheme (RFC 9068, RFC 8725): signature by jose against local keys, a
 * remote JWKS or discovery, then exact `iss`, `aud`, `exp`, `nbf`, `iat`, `typ` and your schema.
 */
export function jwt<Claims = JwtClaims>(options: JwtOptions<Claims>): Scheme<JwtPrincipal<Claims>> {
  if (typeof options?.issuer !== 'string' || options.issuer === '')
    throw new TypeError('jwt: `issuer` is required');
  const { audience, clientIds } = audienceRule(options.audience);
  const claimValues = checkClaimValues(options.claimValues);
  const mapScopes = options.scopes;
  const scopesOf = mapScopes ? (p: JWTPayload) => stringSet(mapScopes(p)) : defaultScopes;
  const rolesOf = options.roles ?? defaultRoles;
  const clientIdOf = options.clientId ?? defaultClientId;
  const algorithms = checkAlgorithms(options.algorithms, options.secret !== undefined);
  const hub = new EventHub();
  const key = keySource(options, algorithms, hub);
  const clockTolerance = options.clockTolerance ?? 5;
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const now = options.now ?? Date.now;
  const cacheSize = options.cache === false ? 0 : (options.cache?.maxEntries ?? 1000);
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0)
    throw new TypeError('jwt: `cache.maxEntries` must be a non-negative integer');
  // Keyed by the signature segment, which a lookup hashes instead of the whole token (a few times
  // shorter); the entry keeps the token, and a hit is only the exact same string. A memo, not a
  // security boundary: an ECDSA token has two valid spellings (s and n - s), so two entries, and
  // `isRevoked` (on the principal, so on `jti`) runs on every hit of either.
  const cache =
    cacheSize > 0 ? new BoundedCache<string, Verified>({ maxEntries: cacheSize, now }) : undefined;
  const kindOf = options.kind ?? defaultKind;
  const dpopOptions: ResourceDpopOptions | undefined =
    (options.dpop as unknown) === true ? ({} as ResourceDpopOptions) : options.dpop || undefined;
  const dpop = dpopOptions && proofContext(dpopOptions, new MemoryReplayStore({ now }), true);
  const schema = options.claims;

  const verifyOptions: JWTVerifyOptions = {
    algorithms,
    issuer: options.issuer,
    ...(audience && { audience }),
    clockTolerance,
    requiredClaims: [
      'exp',
      ...(clientIds ? ['client_id'] : []),
      ...claimValues.map(([name]) => name),
      ...(options.requiredClaims ?? []),
    ],
    ...(options.maxTokenAge !== undefined && { maxTokenAge: options.maxTokenAge }),
    ...(options.typ !== false && { typ: options.typ ?? 'at+jwt' }),
    ...(options.crit && { crit: options.crit }),
  };

  // With the default clock, jose reads the time itself: no options object to build per call.
  const optionsAt = (t: number): JWTVerifyOptions =>
    options.now === undefined ? verifyOptions : { ...verifyOptions, currentDate: new Date(t) };

  type Outcome = AuthResult<JwtPrincipal<Claims>>;
  // A verified token: its frozen principal and its confirmation (`cnf`, RFC 7800), which stays
  // here rather than on the principal (user code never sees or edits it).
  interface Verified {
    readonly token: string;
    readonly principal: JwtPrincipal<Claims>;
    readonly cnf: unknown;
  }
  type Checked = { ok: true; verified: Verified } | { ok: false; error: AuthError };
  const rejected = (
    cause: unknown,
    reason?: AuthFailureReason,
  ): { ok: false; error: AuthError } => ({
    ok: false,
    error: invalid(cause, reason),
  });

  // The checks jose does not make (the claims schema comes after them): the refusal, if any.
  const claimsProblem = (
    t: number,
    payload: JWTPayload,
  ): { ok: false; error: AuthError } | undefined => {
    for (const claim of NUMERIC_DATES) {
      if (payload[claim] !== undefined && !isNumericDate(payload[claim]))
        return rejected(
          new Error(`${claim} is not a NumericDate between 1970 and 9999`),
          'claim_invalid',
        );
    }
    for (const claim of STRING_CLAIMS) {
      if (payload[claim] !== undefined && typeof payload[claim] !== 'string')
        return rejected(new Error(`${claim} is not a string`), 'claim_invalid');
    }
    if (!isAudience(payload.aud))
      return rejected(new Error('aud is not a string or strings'), 'claim_invalid');
    if (clientIds && !clientIds.includes(payload.client_id as string))
      return rejected(new Error('client_id is not an allowed client'), 'audience_mismatch');
    for (const [name, value] of claimValues) {
      if (payload[name] !== value)
        return rejected(new Error(`${name} is not ${value}`), 'claim_invalid');
    }
    if (payload.iat !== undefined && payload.iat > t / 1000 + clockTolerance) {
      return rejected(new Error('iat is in the future'), 'token_not_yet_valid');
    }
    return undefined;
  };

  // The claims schema's verdict, awaited only when there is a schema.
  const validate = async (
    schema: StandardSchemaV1<unknown, Claims>,
    payload: JWTPayload,
  ): Promise<{ ok: true; claims: Claims } | { ok: false; error: AuthError }> => {
    const result = await schema['~standard'].validate(payload);
    if (!result.issues) return { ok: true, claims: result.value };
    return rejected(
      new Error('claims schema refused the token', { cause: result.issues }),
      'claims_schema_invalid',
    );
  };

  // The frozen principal, remembered: a cache hands this very object to every later request.
  const admit = (token: string, payload: JWTPayload, claims: Claims): Checked => {
    const clientId = str(clientIdOf(payload));
    const id = str(payload.sub) ?? clientId;
    if (id === undefined) return rejected(new Error('no sub nor client_id'), 'claim_missing');
    const exp = payload.exp as number;
    const principal: JwtPrincipal<Claims> = Object.freeze({
      scheme: 'jwt',
      kind: kindOf(payload),
      id,
      scopes: readonlyScopes(scopesOf(payload)),
      roles: readonlyScopes(stringSet(rolesOf(payload)), 'roles'),
      clientId,
      issuer: payload.iss,
      audience: Object.freeze(
        typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []),
      ),
      expiresAt: readonlyDate(exp * 1000),
      acr: str(payload.acr),
      authTime:
        typeof payload.auth_time === 'number' ? readonlyDate(payload.auth_time * 1000) : undefined,
      claims: deepFreeze(claims),
    });
    const verified: Verified = { token, principal, cnf: payload.cnf };
    // Never past exp, nor past the maxTokenAge of its iat.
    let until = exp * 1000;
    if (options.maxTokenAge !== undefined && typeof payload.iat === 'number')
      until = Math.min(until, (payload.iat + options.maxTokenAge) * 1000);
    cache?.set(signatureOf(token), verified, until);
    return { ok: true, verified };
  };

  // A token not in the cache. Before any signature work: one token, one string.
  const verifyToken = async (token: string): Promise<Checked> => {
    if (token.length > maxTokenLength)
      return rejected(new Error('token too long'), 'token_too_long');
    if (!isCanonicalJws(token))
      return rejected(new Error('not a compact JWS in canonical base64url'), 'token_not_canonical');
    const t = now();
    let payload: JWTPayload;
    try {
      ({ payload } =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, optionsAt(t))
          : await jwtVerify(token, key, optionsAt(t)));
    } catch (cause) {
      return rejected(cause);
    }
    const problem = claimsProblem(t, payload);
    if (problem) return problem;
    if (!schema) return admit(token, payload, payload as Claims);
    const accepted = await validate(schema, payload);
    return accepted.ok ? admit(token, payload, accepted.claims) : accepted;
  };

  // RFC 9449 §7.1: a sender-constrained token presented as a bearer token is refused.
  const checkBearer = ({ principal, cnf }: Verified): Outcome => {
    if (cnf !== undefined)
      return {
        ok: false,
        error: invalid(new Error('bound token sent as Bearer'), 'token_sender_constrained'),
      };
    if (dpopOptions?.required)
      return { ok: false, error: invalid(new Error('DPoP is required'), 'dpop_proof_missing') };
    return { ok: true, principal };
  };

  const checkProof = async (
    ctx: NonNullable<typeof dpop>,
    credential: Credential,
    request: RequestView,
    { principal, cnf }: Verified,
  ): Promise<Outcome> => {
    const jkt =
      typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
    // `cnf.jkt` is compared inside, before the proof's jti is claimed.
    const proof = await verifyProof(ctx, request, { accessToken: credential.token, jkt }, now());
    return proof.ok ? { ok: true, principal } : proof;
  };

  // Every token but a cached Bearer one with no revocation hook: verification when not cached,
  // then the one revocation check, then how it was presented (Bearer, or DPoP and its proof).
  const settle = async (
    credential: Credential,
    request: RequestView,
    hit: Verified | undefined,
  ): Promise<Outcome> => {
    const ctx = credential.slot === 'dpop' ? dpop : undefined;
    let outcome: Outcome;
    try {
      const checked = hit
        ? { ok: true as const, verified: hit }
        : await verifyToken(credential.token);
      if (!checked.ok) outcome = checked;
      else if (options.isRevoked && (await options.isRevoked(checked.verified.principal)) !== false)
        outcome = rejected(new Error('revoked'), 'token_revoked');
      else if (!ctx) return checkBearer(checked.verified);
      else outcome = await checkProof(ctx, credential, request, checked.verified);
    } catch (cause) {
      // A hook (schema, `isRevoked`, mapping) that threw.
      outcome = rejected(cause, 'scheme_error');
    }
    return outcome.ok || !ctx ? outcome : withAlgs(outcome.error, ctx.algorithms);
  };

  const warmup = typeof key === 'function' && 'warmup' in key ? key.warmup : undefined;

  const scheme: Scheme<JwtPrincipal<Claims>> = {
    name: 'jwt',
    // Remote keys (and discovery) fetched once ahead: `authenticator.ready()`.
    ...(warmup && { warmup: () => warmup() }),
    ...(dpop && { sources: { dpop: true } }),
    challenge: dpop ? (dpopOptions?.required ? 'DPoP' : ['Bearer', 'DPoP']) : 'Bearer',
    ...(dpop && { challengeParams: { DPoP: { algs: dpop.algorithms.join(' ') } } }),
    // A JWS in compact form has exactly three segments; anything else is for another scheme.
    accepts: (credential: Credential) =>
      (credential.slot === 'bearer' || (dpop !== undefined && credential.slot === 'dpop')) &&
      isJwsShape(credential.token),
    verify(credential, request) {
      // A hit is the exact string of a token verified before: the form checks held for it then.
      const entry = cache?.get(signatureOf(credential.token));
      const hit = entry !== undefined && entry.token === credential.token ? entry : undefined;
      if (cache && hub.active) hub.emit(hit === undefined ? CACHE_MISS : CACHE_HIT);
      // The same-tick answer adapters rely on: a cached Bearer token, no revocation hook.
      if (hit && !options.isRevoked && (credential.slot !== 'dpop' || !dpop))
        return checkBearer(hit);
      return settle(credential, request, hit);
    },
  };
  return Object.assign(scheme, {
    [OBSERVE]: (sink: Parameters<EventHub['add']>[0]) => hub.add(sink),
  });
}
