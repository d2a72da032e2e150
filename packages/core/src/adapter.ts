import {
  type AuthenticateOptions,
  type AuthenticateResult,
  type Authenticator,
  RUN,
  type RunAuthenticate,
  recordedChallenge,
  withScheme,
} from './authenticator.js';
import { AuthError } from './errors.js';
import type { RenderedError } from './render.js';
import type { RequestView } from './request.js';
import type { Requirement, ScopeRequirement } from './scopes.js';

/** Options every adapter's `authenticate` middleware takes, under the same names. */
export interface AdapterOptions {
  /** Let requests without any credential through with no principal. Default `false`. */
  optional?: boolean;
  /** Scopes the route needs once authenticated (all of a list, or `{ anyOf }`). */
  scopes?: ScopeRequirement;
  /** RFC 8707: the resource(s) this route is; tokens for other audiences are `invalid_token`. */
  audience?: string | readonly string[];
  /** Step-up (RFC 9470): accepted `acr` values for this route. */
  acr?: readonly string[];
  /** Step-up (RFC 9470): greatest age in seconds of the user's authentication (`auth_time`). */
  maxAge?: number;
  /**
   * `respond` (default) sends the core's rendering, identical in every framework; `forward` hands
   * the `AuthError` to the framework's own error path.
   */
  errors?: 'respond' | 'forward';
  /** Trust `X-Forwarded-Proto` / `X-Forwarded-Host` when building the request URL. */
  trustProxy?: boolean;
}

// Which authenticator authenticated a request, so a later scope guard renders with its options.
// A module-private symbol on the request object rather than a WeakMap: it is set on every
// request, and a property write costs far less than a WeakMap entry (and its GC bookkeeping).
const BOUND: unique symbol = Symbol('authcore.authenticator');
type Carrier = { [BOUND]?: Authenticator<unknown> };

export function bindAuthenticator(carrier: object, authenticator: Authenticator<unknown>): void {
  (carrier as Carrier)[BOUND] = authenticator;
}

/**
 * The scope guard shared by every adapter: `undefined` to go on, or the error and its rendering.
 * A guard on a request that was not authenticated (anonymous on an optional route) is a 401. The
 * refusal is challenged like the credential that authenticated the request (`DPoP … algs` for a
 * DPoP-bound token), as `authenticate(…, { scopes })` would answer.
 */
export function guardScopes(
  carrier: object,
  principal: unknown,
  scopes: ScopeRequirement,
): { error: AuthError; response: RenderedError } | undefined {
  const authenticator = (carrier as Carrier)[BOUND];
  if (!authenticator) {
    throw new Error('authcore: a scope guard ran before `authenticate` on this route');
  }
  let error =
    principal === undefined
      ? new AuthError('credentials_required')
      : authorizeError(authenticator, principal, scopes);
  if (!error) return undefined;
  const challenge = principal === undefined ? undefined : recordedChallenge(carrier);
  if (challenge) error = withScheme(error, challenge);
  return { error, response: authenticator.render(error) };
}

function authorizeError(
  authenticator: Authenticator<unknown>,
  principal: unknown,
  scopes: ScopeRequirement,
) {
  const result = authenticator.authorize(principal, { scopes });
  return result.ok ? undefined : result.error;
}

/**
 * The error an adapter hands to its framework's own error path (`errors: 'forward'`): the same
 * `AuthError`, with `headers` holding the rendered `WWW-Authenticate` (and `DPoP-Nonce`,
 * `Cache-Control`), which Express's, Koa's and Fastify's default handlers send with the status.
 */
export function forwardableError(error: AuthError, rendered: RenderedError): AuthError {
  const { 'content-type': _contentType, ...headers } = rendered.headers;
  return new AuthError(error.code, {
    description: error.description,
    cause: error.cause,
    reason: error.reason,
    scopes: error.scopes,
    scheme: error.scheme,
    params: error.params,
    headers,
  });
}

/** The authorization an adapter's options ask for, or `undefined` when they ask for none. */
export function adapterRequirement(
  options: AdapterOptions,
): Omit<Requirement, 'check'> | undefined {
  const { scopes, acr, maxAge, audience } = options;
  if (scopes === undefined && acr === undefined && maxAge === undefined && audience === undefined)
    return undefined;
  return {
    ...(audience !== undefined && { audience }),
    ...(scopes !== undefined && { scopes }),
    ...(acr !== undefined && { acr }),
    ...(maxAge !== undefined && { maxAge }),
  };
}

/**
 * Whether refusals go to the framework's error path: `errors` checked once, when an adapter's
 * middleware is built. Anything but `respond`, `forward` or nothing is a `TypeError`.
 */
export function forwardsErrors(errors: unknown, adapter = '@authcore/core'): boolean {
  if (errors === undefined || errors === 'respond') return false;
  if (errors === 'forward') return true;
  throw new TypeError(
    `${adapter}: \`errors\` must be 'respond' or 'forward', not ${String(errors)}`,
  );
}

/** What an adapter's `authenticate` settles once, when it is built. */
export interface AdapterSetup {
  /** `errors: 'forward'`: refusals go to the framework's error path. */
  forward: boolean;
  /** The options of every `authenticator.authenticate` call (optional, scopes, step-up). */
  authenticateOptions: { optional: boolean; require?: Omit<Requirement, 'check'> };
}

/**
 * Validates an adapter's `authenticate(authenticator, options)` at build time: a `TypeError`
 * names the adapter when the authenticator is missing or `errors`, `acr` or `maxAge` is malformed.
 */
export function adapterSetup(
  authenticator: unknown,
  options: AdapterOptions = {},
  adapter = '@authcore/core',
): AdapterSetup {
  if (typeof (authenticator as { authenticate?: unknown } | null)?.authenticate !== 'function') {
    throw new TypeError(
      `${adapter}: authenticate() needs an authenticator from createAuthenticator()`,
    );
  }
  const { acr, maxAge } = options;
  if (acr !== undefined && !(Array.isArray(acr) && acr.every((v) => typeof v === 'string'))) {
    throw new TypeError(`${adapter}: \`acr\` must be a list of acr values`);
  }
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new TypeError(`${adapter}: \`maxAge\` must be a number of seconds, 0 or more`);
  }
  const require = adapterRequirement(options);
  return {
    forward: forwardsErrors(options.errors, adapter),
    authenticateOptions: { optional: options.optional === true, ...(require && { require }) },
  };
}

/**
 * `authenticator.authenticate` for adapters: the result itself, not a promise, when it is known at
 * once (a cached token, a malformed header), so the framework goes on in the same tick; a promise
 * otherwise. Authenticators not made by `createAuthenticator` get their `authenticate` promise.
 */
export function authenticateRequest<P>(
  authenticator: Authenticator<P>,
  request: RequestView,
  options?: AuthenticateOptions<P>,
  carrier?: object,
): AuthenticateResult<P> | Promise<AuthenticateResult<P>> {
  const run = (authenticator as { [RUN]?: RunAuthenticate<P> })[RUN];
  return run ? run(request, options, carrier) : authenticator.authenticate(request, options);
}

/** What an adapter's `settle` receives: the principal, or the error with its rendering. */
export type AdapterOutcome<P> =
  | { ok: true; principal: P | undefined }
  | { ok: false; error: AuthError; rendered: RenderedError };

/**
 * The whole authentication step of an adapter: binds the authenticator to `carrier` (the
 * framework's request or context, for `guardScopes`), authenticates `request` and hands the
 * outcome, refusals already rendered, to `settle`: in the same tick when it is known at once (a
 * cached token), else when it arrives. Returns what `settle` returns, or a promise of it.
 */
export function authenticateFor<P, R>(
  carrier: object,
  authenticator: Authenticator<P>,
  request: RequestView,
  options: AuthenticateOptions<P> | undefined,
  settle: (outcome: AdapterOutcome<P>) => R,
): R | Promise<R> {
  bindAuthenticator(carrier, authenticator as Authenticator<unknown>);
  const finish = (result: AuthenticateResult<P>): R =>
    settle(result.ok ? result : { ...result, rendered: authenticator.render(result.error) });
  const outcome = authenticateRequest(authenticator, request, options, carrier);
  return 'then' in outcome ? outcome.then(finish) : finish(outcome);
}
