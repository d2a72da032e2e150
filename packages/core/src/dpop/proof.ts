import { base64url, calculateJwkThumbprint, EmbeddedJWK, errors, type JWK, jwtVerify } from 'jose';
import { AuthError } from '../errors.js';
import type { AuthFailureReason } from '../reasons.js';
import type { RequestView } from '../request.js';
import { proofKeyProblem } from './proof-key.js';
import { MemoryReplayStore, type ReplayStore } from './replay.js';

export interface DpopNonce {
  /** A nonce to hand out in `DPoP-Nonce`. */
  issue(): string | Promise<string>;
  /** Whether a nonce from a proof is current. */
  check(nonce: string): boolean | Promise<boolean>;
}

/**
 * The origins an API is served at, as clients name them (`https://api.example.com`), or a predicate
 * on the proof's `htu` origin (several tenants' host names).
 */
export type DpopOrigins = readonly string[] | ((origin: string) => boolean);

export interface DpopOptions {
  /**
   * Proof algorithms. Default `['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256']` (`Ed25519` is the
   * fully-specified name of RFC 9864).
   */
  algorithms?: readonly string[];
  /** Refuse Bearer: every token must come with a proof. Default `false`. */
  required?: boolean;
  /** Seconds a proof stays acceptable after its `iat`. Default 60. */
  proofMaxAge?: number;
  /** Seconds of clock skew allowed on `iat`. Default 5. */
  clockTolerance?: number;
  /** Where proof `jti`s are remembered. Default: in-process, bounded. */
  replay?: ReplayStore;
  /** Require server nonces (RFC 9449 §8). */
  nonce?: DpopNonce;
  /**
   * The origin(s) this API is served at: a proof's `htu` must name one of them with the request's
   * path. The request's own origin (its `Host`, `X-Forwarded-Host`) is never used, so a client cannot
   * make a proof for another API valid here, behind a proxy or not. Required by `jwt({ dpop })`;
   * for `dpopProofVerifier` (whose request URL is the configured token endpoint) it is optional.
   */
  origins?: DpopOrigins;
}

/** DPoP options of a resource server (`jwt({ dpop })`): `origins` is required. */
export type ResourceDpopOptions = DpopOptions & { origins: DpopOrigins };

/** Proof algorithms accepted when none are configured. */
export const DPOP_ALGORITHMS: readonly string[] = Object.freeze([
  'ES256',
  'EdDSA',
  'Ed25519',
  'RS256',
  'PS256',
]);

export interface ProofContext {
  readonly algorithms: readonly string[];
  readonly proofMaxAge: number;
  readonly clockTolerance: number;
  readonly replay: ReplayStore;
  readonly nonce: DpopNonce | undefined;
  /** Whether an `htu` origin is this API's; `undefined`: the whole request URL is compared. */
  readonly origin: ((origin: string) => boolean) | undefined;
}

function originCheck(origins: DpopOrigins | undefined, required: boolean) {
  if (typeof origins === 'function') return origins;
  if (origins === undefined) {
    if (!required) return undefined;
    throw new TypeError(
      "jwt: `dpop.origins` is required: the origin(s) this API is served at, e.g. ['https://api.example.com'] (the Host header of a request cannot be trusted for the proof's htu)",
    );
  }
  if (!Array.isArray(origins) || origins.length === 0)
    throw new TypeError('dpop: `origins` must be a non-empty list of origins');
  const set = new Set<string>();
  for (const o of origins as readonly unknown[]) {
    let url: URL | undefined;
    try {
      url = typeof o === 'string' ? new URL(o) : undefined;
    } catch {}
    if (
      !url ||
      !/^https?:$/.test(url.protocol) ||
      url.pathname !== '/' ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== ''
    ) {
      throw new TypeError(`dpop: ${String(o)} is not an http(s) origin`);
    }
    set.add(url.origin);
  }
  return (origin: string) => set.has(origin);
}

export function proofContext(
  options: DpopOptions,
  replay: ReplayStore,
  requireOrigins = false,
): ProofContext {
  const algorithms = [...(options.algorithms ?? DPOP_ALGORITHMS)];
  for (const alg of algorithms) {
    if (!/^(ES|PS|RS)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg)) {
      throw new TypeError(`dpop: ${alg} is not an asymmetric JWS algorithm`);
    }
  }
  return {
    algorithms,
    proofMaxAge: options.proofMaxAge ?? 60,
    clockTolerance: options.clockTolerance ?? 5,
    replay: options.replay ?? replay,
    nonce: options.nonce,
    origin: originCheck(options.origins, requireOrigins),
  };
}

/** The error of a bad proof, with the `DPoP` challenge and its `algs`. */
export const proofError = (
  ctx: ProofContext,
  cause: unknown,
  reason: AuthFailureReason = 'dpop_proof_invalid',
) =>
  new AuthError('invalid_dpop_proof', {
    scheme: 'DPoP',
    params: { algs: ctx.algorithms.join(' ') },
    cause,
    reason,
  });

// jose's refusal of a proof: its `iat` (too old, or ahead of the clock) has a reason of its own.
const proofJoseReason = (error: unknown): AuthFailureReason =>
  (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) &&
  error.claim === 'iat' &&
  error.reason !== 'missing'
    ? 'dpop_iat_invalid'
    : 'dpop_proof_invalid';

// RFC 9449 §4.3 step 9: htu is compared without query and fragment, after URL normalisation. With
// pinned origins, the request contributes only its path: its origin comes from client headers.
function sameTarget(ctx: ProofContext, htu: unknown, requestUrl: string): boolean {
  if (typeof htu !== 'string') return false;
  try {
    const proof = new URL(htu);
    const request = new URL(requestUrl);
    if (proof.pathname !== request.pathname) return false;
    return ctx.origin ? ctx.origin(proof.origin) === true : proof.origin === request.origin;
  } catch {
    return false;
  }
}

const sha256Url = async (text: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))),
  );

/** The access token a resource request's proof is for, and the token's `cnf.jkt`. */
export interface ProofBinding {
  readonly accessToken: string;
  readonly jkt: unknown;
}

/**
 * Checks the DPoP proof of a request (RFC 9449 §4.3) and returns the thumbprint of the key that
 * signed it. With a `binding` (a resource request) the proof's `ath` must be the token's hash and
 * its key the token's `cnf.jkt` (else `invalid_token`); without one (a token request) neither is
 * checked. The proof's key is bounded before any signature work (`proofKeyProblem`), and its `jti`
 * is claimed last, only for a proof that passed everything else, so refused proofs never fill the
 * replay store.
 */
export async function verifyProof(
  ctx: ProofContext,
  request: RequestView,
  binding: ProofBinding | undefined,
  now: number,
): Promise<ProofResult> {
  const checked = await checkProof(ctx, request, binding, now);
  return checked.ok ? checked.claim() : checked;
}

/** A checked proof, or why it was refused. */
export type ProofResult = { ok: true; jkt: string } | { ok: false; error: AuthError };
/** A proof that passed every check but its `jti`: `claim()` records the jti (a replay: refused). */
export type CheckedProof =
  | { ok: true; jkt: string; claim(): Promise<ProofResult> }
  | { ok: false; error: AuthError };

/** Every check of `verifyProof` except the `jti` claim, which the caller makes once it is sure. */
export async function checkProof(
  ctx: ProofContext,
  request: RequestView,
  binding: ProofBinding | undefined,
  now: number,
): Promise<CheckedProof> {
  const headers = request.headers('dpop');
  if (headers.length !== 1)
    return {
      ok: false,
      error: proofError(
        ctx,
        new Error(`${headers.length} DPoP headers`),
        headers.length === 0 ? 'dpop_proof_missing' : 'dpop_proof_invalid',
      ),
    };
  const proof = headers[0]!;
  const problem = proofKeyProblem(proof, ctx.algorithms);
  if (problem !== undefined) {
    // The form of the proof, or its embedded key (every key problem names the jwk or RSA).
    const reason = /jwk|RSA/.test(problem) ? 'dpop_key_rejected' : 'dpop_proof_invalid';
    return { ok: false, error: proofError(ctx, new Error(problem), reason) };
  }
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const result = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...ctx.algorithms],
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      maxTokenAge: ctx.proofMaxAge,
      clockTolerance: ctx.clockTolerance,
      currentDate: new Date(now),
    });
    payload = result.payload;
    jwk = result.protectedHeader.jwk as JWK;
  } catch (cause) {
    return { ok: false, error: proofError(ctx, cause, proofJoseReason(cause)) };
  }
  const { jti, htm, htu, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
    return { ok: false, error: proofError(ctx, new Error('bad jti')) };
  }
  if (htm !== request.method)
    return { ok: false, error: proofError(ctx, new Error('htm mismatch'), 'dpop_htm_mismatch') };
  if (!sameTarget(ctx, htu, request.url))
    return { ok: false, error: proofError(ctx, new Error('htu mismatch'), 'dpop_htu_mismatch') };
  if (binding !== undefined && ath !== (await sha256Url(binding.accessToken))) {
    return { ok: false, error: proofError(ctx, new Error('ath mismatch'), 'dpop_ath_mismatch') };
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  if (binding !== undefined && binding.jkt !== jkt) {
    return {
      ok: false,
      error: new AuthError('invalid_token', {
        scheme: 'DPoP',
        params: { algs: ctx.algorithms.join(' ') },
        cause: new Error('cnf.jkt does not match the proof key'),
        reason: 'dpop_jkt_mismatch',
      }),
    };
  }
  if (ctx.nonce) {
    const valid = typeof nonce === 'string' && (await ctx.nonce.check(nonce));
    if (!valid) {
      return {
        ok: false,
        error: new AuthError('use_dpop_nonce', {
          scheme: 'DPoP',
          params: { algs: ctx.algorithms.join(' ') },
          headers: { 'dpop-nonce': await ctx.nonce.issue() },
          cause: new Error('nonce missing or stale'),
          reason: 'dpop_nonce_required',
        }),
      };
    }
  }
  // Remembered for as long as the proof is accepted: until iat + proofMaxAge + clockTolerance
  // (whole seconds, as jose counts), which is later than now + proofMaxAge + clockTolerance when
  // iat is ahead of the clock.
  const iat = payload.iat as number;
  const expiresAt = Math.max(
    now + (ctx.proofMaxAge + ctx.clockTolerance) * 1000,
    (Math.floor(iat + ctx.proofMaxAge + ctx.clockTolerance) + 1) * 1000,
  );
  let claimed: Promise<ProofResult> | undefined;
  const claim = async (): Promise<ProofResult> =>
    (await ctx.replay.claim(`${jkt}:${jti}`, expiresAt))
      ? { ok: true, jkt }
      : { ok: false, error: proofError(ctx, new Error('replayed jti'), 'dpop_replay') };
  // Claimed at most once, however often `claim()` is called.
  return { ok: true, jkt, claim: () => (claimed ??= claim()) };
}

/** What `dpopProofVerifier` returns: call it to check and claim; `check` to claim later. */
export interface DpopProofVerifier {
  (request: RequestView, now?: number): Promise<ProofResult>;
  /**
   * Every check but the `jti` claim: `claim()` on the result records it (a replay is refused), so
   * a token endpoint can claim only once the grant itself is good and a refused request burns
   * no jti.
   */
  check(request: RequestView, now?: number): Promise<CheckedProof>;
}

/**
 * A DPoP proof checker for an authorization server's token endpoint (RFC 9449 §5): it returns
 * the `jkt` to bind the issued tokens to, or an `invalid_dpop_proof` / `use_dpop_nonce` error.
 */
export function dpopProofVerifier(options: DpopOptions = {}): DpopProofVerifier {
  const ctx = proofContext(options, new MemoryReplayStore());
  const verify = (request: RequestView, now = Date.now()) =>
    verifyProof(ctx, request, undefined, now);
  return Object.assign(verify, {
    check: (request: RequestView, now = Date.now()) => checkProof(ctx, request, undefined, now),
  });
}
