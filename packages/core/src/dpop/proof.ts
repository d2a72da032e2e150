import { base64url, calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { AuthError } from '../errors.js';
import type { RequestView } from '../request.js';
import { MemoryReplayStore, type ReplayStore } from './replay.js';

export interface DpopNonce {
  /** A nonce to hand out in `DPoP-Nonce`. */
  issue(): string | Promise<string>;
  /** Whether a nonce from a proof is current. */
  check(nonce: string): boolean | Promise<boolean>;
}

export interface DpopOptions {
  /** Proof algorithms. Default `['ES256', 'EdDSA', 'RS256', 'PS256']`. */
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
}

/** Proof algorithms accepted when none are configured. */
export const DPOP_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];

export interface ProofContext {
  readonly algorithms: readonly string[];
  readonly proofMaxAge: number;
  readonly clockTolerance: number;
  readonly replay: ReplayStore;
  readonly nonce: DpopNonce | undefined;
}

export function proofContext(options: DpopOptions, replay: ReplayStore): ProofContext {
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
  };
}

/** The error of a bad proof, with the `DPoP` challenge and its `algs`. */
export const proofError = (ctx: ProofContext, cause: unknown) =>
  new AuthError('invalid_dpop_proof', {
    scheme: 'DPoP',
    params: { algs: ctx.algorithms.join(' ') },
    cause,
  });

// RFC 9449 §4.3 step 9: htu is compared without query and fragment, after URL normalisation.
const withoutQuery = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

/**
 * Checks the DPoP proof of a request (RFC 9449 §4.3) and returns the thumbprint of the key that
 * signed it, which the token's `cnf.jkt` must equal. With an `accessToken` (a resource request)
 * the proof's `ath` must be its hash; without one (a token request) `ath` is not checked.
 */
export async function verifyProof(
  ctx: ProofContext,
  request: RequestView,
  accessToken: string | undefined,
  now: number,
): Promise<{ ok: true; jkt: string } | { ok: false; error: AuthError }> {
  const headers = request.headers('dpop');
  if (headers.length !== 1)
    return { ok: false, error: proofError(ctx, new Error(`${headers.length} DPoP headers`)) };
  const proof = headers[0]!;
  if (proof.length > 8192)
    return { ok: false, error: proofError(ctx, new Error('proof too long')) };
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
    return { ok: false, error: proofError(ctx, cause) };
  }
  const { jti, htm, htu, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
    return { ok: false, error: proofError(ctx, new Error('bad jti')) };
  }
  if (htm !== request.method)
    return { ok: false, error: proofError(ctx, new Error('htm mismatch')) };
  let sameUrl = false;
  try {
    sameUrl = typeof htu === 'string' && withoutQuery(htu) === withoutQuery(request.url);
  } catch {}
  if (!sameUrl) return { ok: false, error: proofError(ctx, new Error('htu mismatch')) };
  if (accessToken !== undefined) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
    if (ath !== base64url.encode(new Uint8Array(digest))) {
      return { ok: false, error: proofError(ctx, new Error('ath mismatch')) };
    }
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
        }),
      };
    }
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  // Claimed last, once everything else holds, so a bad proof never burns a jti. Remembered for as
  // long as the proof is accepted: until iat + proofMaxAge + clockTolerance (whole seconds, as jose
  // counts), which is later than now + proofMaxAge + clockTolerance when iat is ahead of the clock.
  const iat = payload.iat as number;
  const expiresAt = Math.max(
    now + (ctx.proofMaxAge + ctx.clockTolerance) * 1000,
    (Math.floor(iat + ctx.proofMaxAge + ctx.clockTolerance) + 1) * 1000,
  );
  if (!(await ctx.replay.claim(`${jkt}:${jti}`, expiresAt))) {
    return { ok: false, error: proofError(ctx, new Error('replayed jti')) };
  }
  return { ok: true, jkt };
}

/**
 * A DPoP proof checker for an authorization server's token endpoint (RFC 9449 §5): it returns
 * the `jkt` to bind the issued tokens to, or an `invalid_dpop_proof` / `use_dpop_nonce` error.
 */
export function dpopProofVerifier(
  options: DpopOptions = {},
): (
  request: RequestView,
  now?: number,
) => Promise<{ ok: true; jkt: string } | { ok: false; error: AuthError }> {
  const ctx = proofContext(options, new MemoryReplayStore());
  return (request, now = Date.now()) => verifyProof(ctx, request, undefined, now);
}
