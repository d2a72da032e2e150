import { AuthError, type AuthResult, type ChallengeScheme, defaultDescription } from './errors.js';
import { type Credential, type CredentialSources, extractCredential } from './extract.js';
import { OBSERVE, type SchemeEventSink } from './observe/events.js';
import type { Logger } from './observe/logger.js';
import { createObserver, type Observation, type Observer } from './observe/observer.js';
import type { TelemetryOptions } from './observe/telemetry.js';
import { type RenderedError, type RenderOptions, renderAuthError } from './render.js';
import type { RequestView } from './request.js';
import type { Scheme, SchemePrincipal } from './scheme.js';
import {
  type AuthorizablePrincipal,
  authorize,
  type Requirement,
  type ScopeRequirement,
} from './scopes.js';

type AnyScheme = Scheme<AuthorizablePrincipal>;

export interface AuthenticatorOptions<S extends readonly AnyScheme[]> {
  /** Schemes tried in order; the first that accepts a credential verifies it. */
  schemes: S;
  /** Opt-in extra places for a bearer token. */
  sources?: Pick<CredentialSources, 'cookie' | 'query'>;
  /**
   * `realm`, `resourceMetadata`, `problemJson` of every rendered error; `challengeScopes` and
   * `keepGrantedScopes` for the `scope` of challenges.
   */
  render?: Omit<RenderOptions, 'schemes'>;
  /** Called with every failure, for logs and metrics: `error.cause` holds the real reason. */
  onFailure?: (error: AuthError, request: RequestView) => void;
  /**
   * pino, Fastify's `request.log`, `console`…: `debug` for each refusal (reason and code), a
   * rate-limited `warn` for a key source that is down or a refusal pattern that is configuration.
   * Never a token, key or secret. See docs/observability.md.
   */
  logger?: Logger;
  /**
   * OpenTelemetry: `{ api: otel }` (`import * as otel` of `@opentelemetry/api`) or your own
   * `{ tracer, meter }`. A span per authentication and metrics; nothing without it.
   */
  telemetry?: TelemetryOptions;
}

export interface AuthenticateOptions<P> {
  /** Let requests without any credential through as anonymous. A bad credential still fails. */
  optional?: boolean;
  /** Authorization to apply once authenticated. */
  require?: Requirement<P>;
  /** The logger of this request (an adapter's `request.log`), instead of the authenticator's. */
  logger?: Logger;
}

/** Authenticated, anonymous (optional mode only) or refused. */
export type AuthenticateResult<P> =
  | { ok: true; principal: P }
  | { ok: true; principal: undefined }
  | { ok: false; error: AuthError };

/** An authenticator's promise-free entry point (see `sameTickEntry`). */
export type RunAuthenticate<P> = (
  request: RequestView,
  options?: AuthenticateOptions<P>,
  passage?: Passage,
  logger?: Logger,
) => AuthenticateResult<P> | Promise<AuthenticateResult<P>>;

/** The challenge of the credential that authenticated a request, for a later scope guard. */
export interface Challenge {
  readonly scheme: ChallengeScheme;
  readonly params: Readonly<Record<string, string>> | undefined;
}

/**
 * What a later scope guard needs of one request an adapter authenticated: the authenticator, the
 * request view and logger (to report a refusal) and, once known, the challenge. The adapter puts
 * it on its request object in one write (see `authenticateFor`): a framework's request is a large
 * object, and every property added to it costs far more than a field of this one.
 */
export class Passage {
  challenge: Challenge | undefined = undefined;
  constructor(
    readonly authenticator: Authenticator<unknown>,
    readonly view: RequestView,
    readonly logger: Logger | undefined,
  ) {}
}

export interface Authenticator<P> {
  /** `optional: true`: the principal may be `undefined` (an anonymous request). */
  authenticate(
    request: RequestView,
    options: AuthenticateOptions<P> & { optional: true },
  ): Promise<AuthenticateResult<P>>;
  /** Required (no `optional`, or `false`): a success always has a principal. */
  authenticate(
    request: RequestView,
    options?: AuthenticateOptions<P> & { optional?: false | undefined },
  ): Promise<AuthResult<P>>;
  /** `optional` only known at run time (a `boolean`): the principal may be `undefined`. */
  authenticate(
    request: RequestView,
    options?: AuthenticateOptions<P>,
  ): Promise<AuthenticateResult<P>>;
  /** Scope and claim checks on an authenticated principal. */
  authorize(principal: P, requirement: Requirement<P>): AuthResult<P>;
  /** The response for an error: status, headers (`WWW-Authenticate`…) and body. */
  render(error: AuthError): RenderedError;
  /** Names of the configured schemes, in order. */
  readonly schemes: readonly string[];
  /**
   * Fetches what the schemes need ahead of the first request (remote JWKS, discovery) and says
   * whether each is ready: for a start-up check or a readiness probe. Never rejects.
   */
  ready(): Promise<Readiness>;
}

/** What `ready()` found: `ok` when every scheme is ready; `error` is for logs only. */
export interface Readiness {
  readonly ok: boolean;
  readonly schemes: readonly {
    readonly name: string;
    readonly ok: boolean;
    readonly error?: unknown;
  }[];
}

/** The principal type of an authenticator, for `Register` and your own signatures. */
export type InferPrincipal<A> = A extends Authenticator<infer P> ? P : never;

/**
 * Composes schemes into the one entry point adapters call. It never throws for anything a
 * request carries: every outcome is a value.
 */
export function createAuthenticator<const S extends readonly AnyScheme[]>(
  options: AuthenticatorOptions<S>,
): Authenticator<SchemePrincipal<S[number]>> {
  type P = SchemePrincipal<S[number]>;
  const schemes = options.schemes as unknown as readonly Scheme<P>[];
  if (!Array.isArray(schemes) || schemes.length === 0)
    throw new TypeError('createAuthenticator: `schemes` is required');
  const sources: CredentialSources = { ...options.sources };
  const challenges: ChallengeScheme[] = [];
  for (const scheme of schemes) {
    Object.assign(sources, scheme.sources);
    for (const c of [scheme.challenge].flat()) if (!challenges.includes(c)) challenges.push(c);
  }
  const renderOptions: RenderOptions = { ...options.render, schemes: challenges };
  const scopedChallenges = Boolean(renderOptions.challengeScopes);
  const keepGranted = renderOptions.keepGrantedScopes === true;
  const onFailure = options.onFailure;
  const fail = (error: AuthError, request: RequestView) => {
    if (onFailure) {
      try {
        onFailure(error, request);
      } catch {}
    }
    return { ok: false as const, error };
  };
  // A 401 of a route with scopes names them, when `challengeScopes` asks for it.
  const routeScoped = (error: AuthError, opts: AuthenticateOptions<P>): AuthError => {
    const scopes = opts.require?.scopes;
    if (!scopedChallenges || scopes === undefined || error.scopes.length > 0) return error;
    if (error.code !== 'credentials_required' && error.code !== 'invalid_token') return error;
    return rebuild(error, { scopes: scopeList(scopes) });
  };
  // Step-up that keeps what the token has: granted scopes first, then the missing ones.
  const denial = (denied: AuthError, principal: P, challenge: Challenge): AuthError => {
    const granted = (principal as { scopes?: ReadonlySet<string> }).scopes;
    if (
      !keepGranted ||
      denied.code !== 'insufficient_scope' ||
      denied.scopes.length === 0 ||
      !granted
    )
      return withScheme(denied, challenge);
    return rebuild(denied, { ...challenge, scopes: [...new Set([...granted, ...denied.scopes])] });
  };

  // The challenge of each credential slot, with the parameters of the scheme that verified it:
  // made once per (scheme, slot), the same frozen object for every request.
  const slotChallenges = new Map<
    Scheme<P> | undefined,
    Partial<Record<Credential['slot'], Challenge>>
  >();
  const challengeOfSlot = (slot: Credential['slot'], scheme: Scheme<P> | undefined): Challenge => {
    let bySlot = slotChallenges.get(scheme);
    if (bySlot === undefined) {
      bySlot = {};
      slotChallenges.set(scheme, bySlot);
    }
    let challenge = bySlot[slot];
    if (challenge === undefined) {
      const name: ChallengeScheme =
        slot === 'apiKey' ? 'ApiKey' : slot === 'dpop' ? 'DPoP' : 'Bearer';
      challenge = Object.freeze({ scheme: name, params: scheme?.challengeParams?.[name] });
      bySlot[slot] = challenge;
    }
    return challenge;
  };

  const NO_OPTIONS: AuthenticateOptions<P> = {};

  // Created only when a logger or telemetry is configured (or a request brings a logger): the
  // path without either allocates nothing more.
  let observer: Observer | undefined;
  const observe = (always: boolean) => {
    observer = createObserver({ logger: options.logger, telemetry: options.telemetry }, always);
    if (!observer) return;
    const sink: SchemeEventSink = observer.event;
    for (const s of schemes)
      (s as { [OBSERVE]?: (sink: SchemeEventSink) => void })[OBSERVE]?.(sink);
  };
  observe(false);

  const finish = (
    result: AuthResult<P>,
    challenge: Challenge,
    request: RequestView,
    opts: AuthenticateOptions<P>,
    passage: Passage | undefined,
  ): AuthResult<P> => {
    if (!result.ok) {
      const error = routeScoped(result.error, opts);
      return fail(withScheme(error, challenge), request);
    }
    if (opts.require) {
      const denied = authorize(
        result.principal as P & { scopes: ReadonlySet<string> },
        opts.require as Requirement<P & { scopes: ReadonlySet<string> }>,
      );
      if (denied)
        return fail(routeScoped(denial(denied, result.principal, challenge), opts), request);
    }
    if (passage) passage.challenge = challenge;
    return result;
  };

  // The whole check, without a promise when the scheme answers at once (a cached token): the
  // adapters go on in the same tick. Never throws.
  function run(
    request: RequestView,
    opts: AuthenticateOptions<P> = NO_OPTIONS,
    passage?: Passage,
    // A separate argument, so an adapter's per-request logger needs no copy of its options.
    logger: Logger | undefined = opts.logger,
  ): AuthenticateResult<P> | Promise<AuthenticateResult<P>> {
    if (!observer) {
      if (logger === undefined) return check(request, opts, passage, undefined);
      observe(true);
    }
    const o = observer as Observer;
    const obs = o.start(logger);
    let outcome: AuthenticateResult<P> | Promise<AuthenticateResult<P>>;
    try {
      outcome = check(request, opts, passage, obs);
    } catch (error) {
      o.end(obs, undefined, error);
      throw error;
    }
    if (!('then' in outcome)) {
      o.end(obs, outcome);
      return outcome;
    }
    return outcome.then(
      (result) => {
        o.end(obs, result);
        return result;
      },
      (error: unknown) => {
        o.end(obs, undefined, error);
        throw error;
      },
    );
  }

  function check(
    request: RequestView,
    opts: AuthenticateOptions<P>,
    passage: Passage | undefined,
    obs: Observation | undefined,
  ): AuthenticateResult<P> | Promise<AuthenticateResult<P>> {
    let extracted: ReturnType<typeof extractCredential>;
    try {
      extracted = extractCredential(request, sources);
    } catch (cause) {
      return fail(new AuthError('invalid_request', { cause, reason: 'scheme_error' }), request);
    }
    if (!extracted.ok) return fail(extracted.error, request);
    const credential = extracted.credential;
    if (credential === undefined) {
      if (opts.optional) return { ok: true as const, principal: undefined };
      return fail(routeScoped(new AuthError('credentials_required'), opts), request);
    }
    let scheme: Scheme<P> | undefined;
    try {
      for (const s of schemes) {
        if (s.accepts(credential)) {
          scheme = s;
          break;
        }
      }
    } catch (cause) {
      return fail(new AuthError('invalid_token', { cause, reason: 'scheme_error' }), request);
    }
    const challenge = challengeOfSlot(credential.slot, scheme);
    if (obs && scheme) obs.scheme = scheme.name;
    if (!scheme) {
      return fail(
        routeScoped(
          new AuthError('invalid_token', {
            scheme: challenge.scheme,
            cause: new Error('no scheme accepts this credential'),
            reason: 'no_scheme',
          }),
          opts,
        ),
        request,
      );
    }
    let verified: AuthResult<P> | Promise<AuthResult<P>>;
    try {
      verified = scheme.verify(credential, request);
    } catch (cause) {
      verified = {
        ok: false,
        error: new AuthError('invalid_token', { cause, reason: 'scheme_error' }),
      };
    }
    if (!('then' in verified)) return finish(verified, challenge, request, opts, passage);
    return verified.then(
      (result) => finish(result, challenge, request, opts, passage),
      (cause: unknown) =>
        finish(
          { ok: false, error: new AuthError('invalid_token', { cause, reason: 'scheme_error' }) },
          challenge,
          request,
          opts,
          passage,
        ),
    );
  }

  // Always a promise, even if a `require.check` of yours throws: then a rejected one.
  const authenticate = (request: RequestView, opts?: AuthenticateOptions<P>) => {
    try {
      const outcome = run(request, opts);
      return 'then' in outcome ? outcome : Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const authenticator: Authenticator<P> = {
    authenticate: authenticate as Authenticator<P>['authenticate'],
    authorize(principal, requirement) {
      const denied = authorize(
        principal as P & { scopes: ReadonlySet<string> },
        requirement as Requirement<P & { scopes: ReadonlySet<string> }>,
      );
      return denied
        ? {
            ok: false,
            error: denial(denied, principal, { scheme: challengeOf(principal), params: undefined }),
          }
        : { ok: true, principal };
    },
    render: (error) => renderAuthError(error, renderOptions),
    schemes: schemes.map((s) => s.name),
    async ready() {
      const states = await Promise.all(
        schemes.map(async (s) => {
          try {
            await s.warmup?.();
            return { name: s.name, ok: true };
          } catch (error) {
            return { name: s.name, ok: false, error };
          }
        }),
      );
      return { ok: states.every((s) => s.ok), schemes: states };
    },
  };
  SAME_TICK.set(authenticate, run as RunAuthenticate<unknown>);
  // A scope guard's refusal comes after `authenticate` said yes: it reaches `onFailure`, the
  // logger and telemetry all the same, or a missing scope would be the one silent refusal.
  GUARD_REFUSED.set(authenticate, (passage, error, principal) => {
    fail(error, passage.view);
    const logger = passage.logger;
    if (!observer) {
      if (logger === undefined) return;
      observe(true);
    }
    const scheme = (principal as { scheme?: unknown } | undefined)?.scheme;
    (observer as Observer).guardRefused(
      logger,
      typeof scheme === 'string' ? scheme : 'none',
      error,
    );
  });
  return authenticator;
}

// Keyed by the `authenticate` function rather than a property of the authenticator: a copy
// (`{ ...authenticator }`) keeps the entry, and one whose `authenticate` is yours is never bypassed.
const SAME_TICK = new WeakMap<object, RunAuthenticate<unknown>>();
const GUARD_REFUSED = new WeakMap<
  object,
  (passage: Passage, error: AuthError, principal: unknown) => void
>();

/** Reports a scope guard's refusal of the request of `passage` (see `guardScopes`). */
export const reportGuardRefusal = (
  passage: Passage,
  error: AuthError,
  principal: unknown,
): void => {
  try {
    GUARD_REFUSED.get(passage.authenticator.authenticate)?.(passage, error, principal);
  } catch {}
};

/**
 * The promise-free entry point behind `authenticator.authenticate`, when `createAuthenticator` made
 * that function: the result itself when it is known at once (a cached token, a malformed header).
 */
export const sameTickEntry = <P>(authenticator: Authenticator<P>): RunAuthenticate<P> | undefined =>
  SAME_TICK.get(authenticator.authenticate) as RunAuthenticate<P> | undefined;

const challengeOf = (principal: unknown): ChallengeScheme =>
  (principal as { scheme?: unknown } | undefined)?.scheme === 'apiKey' ? 'ApiKey' : 'Bearer';

/** `error` rendered under `challenge`: its scheme, and its parameters after the error's own. */
export function withScheme(error: AuthError, challenge: Challenge): AuthError {
  if (error.scheme === challenge.scheme) return error;
  return rebuild(error, challenge);
}

function rebuild(
  error: AuthError,
  change: {
    scheme?: ChallengeScheme;
    params?: Readonly<Record<string, string>> | undefined;
    scopes?: readonly string[];
  },
): AuthError {
  // A fixed description follows the new scheme; one the scheme chose itself is kept.
  const fixed = error.description === defaultDescription(error.code, error.scheme);
  return new AuthError(error.code, {
    description: fixed ? undefined : error.description,
    cause: error.cause,
    reason: error.reason,
    scopes: change.scopes ?? error.scopes,
    scheme: change.scheme ?? error.scheme,
    params: change.params ? { ...error.params, ...change.params } : error.params,
    headers: error.headers,
  });
}

const scopeList = (scopes: ScopeRequirement): readonly string[] =>
  typeof scopes === 'string'
    ? scopes.split(' ').filter(Boolean)
    : 'anyOf' in scopes
      ? scopes.anyOf
      : scopes;
