import { AuthError, type AuthResult, type ChallengeScheme } from './errors.js';
import { type CredentialSources, extractCredential } from './extract.js';
import { type RenderedError, type RenderOptions, renderAuthError } from './render.js';
import type { RequestView } from './request.js';
import type { Scheme, SchemePrincipal } from './scheme.js';
import { type AuthorizablePrincipal, authorize, type Requirement } from './scopes.js';

type AnyScheme = Scheme<AuthorizablePrincipal>;

export interface AuthenticatorOptions<S extends readonly AnyScheme[]> {
  /** Schemes tried in order; the first that accepts a credential verifies it. */
  schemes: S;
  /** Opt-in extra places for a bearer token. */
  sources?: Pick<CredentialSources, 'cookie' | 'query'>;
  /** `realm`, `resourceMetadata`, `problemJson` of every rendered error. */
  render?: Omit<RenderOptions, 'schemes'>;
  /** Called with every failure, for logs and metrics: `error.cause` holds the real reason. */
  onFailure?: (error: AuthError, request: RequestView) => void;
}

export interface AuthenticateOptions<P> {
  /** Let requests without any credential through as anonymous. A bad credential still fails. */
  optional?: boolean;
  /** Authorization to apply once authenticated. */
  require?: Requirement<P>;
}

/** Authenticated, anonymous (optional mode only) or refused. */
export type AuthenticateResult<P> =
  | { ok: true; principal: P }
  | { ok: true; principal: undefined }
  | { ok: false; error: AuthError };

/** Where an authenticator keeps its promise-free entry point, for `authenticateRequest`. */
export const RUN: unique symbol = Symbol('authcore.run');
export type RunAuthenticate<P> = (
  request: RequestView,
  options?: AuthenticateOptions<P>,
) => AuthenticateResult<P> | Promise<AuthenticateResult<P>>;

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
    if (scheme.slots.includes('dpop')) sources.dpop = true;
  }
  const renderOptions: RenderOptions = { ...options.render, schemes: challenges };
  const onFailure = options.onFailure;
  const fail = (error: AuthError, request: RequestView) => {
    if (onFailure) {
      try {
        onFailure(error, request);
      } catch {}
    }
    return { ok: false as const, error };
  };

  const NO_OPTIONS: AuthenticateOptions<P> = {};

  const finish = (
    result: AuthResult<P>,
    challenge: ChallengeScheme,
    request: RequestView,
    opts: AuthenticateOptions<P>,
  ): AuthResult<P> => {
    if (!result.ok) {
      const { error } = result;
      return fail(error.scheme === challenge ? error : withScheme(error, challenge), request);
    }
    if (opts.require) {
      const denied = authorize(
        result.principal as P & { scopes: ReadonlySet<string> },
        opts.require as Requirement<P & { scopes: ReadonlySet<string> }>,
      );
      if (denied) return fail(withScheme(denied, challenge), request);
    }
    return result;
  };

  // The whole check, without a promise when the scheme answers at once (a cached token): the
  // adapters go on in the same tick. Never throws.
  function run(
    request: RequestView,
    opts: AuthenticateOptions<P> = NO_OPTIONS,
  ): AuthenticateResult<P> | Promise<AuthenticateResult<P>> {
    let extracted: ReturnType<typeof extractCredential>;
    try {
      extracted = extractCredential(request, sources);
    } catch (cause) {
      return fail(new AuthError('invalid_request', { cause }), request);
    }
    if (!extracted.ok) return fail(extracted.error, request);
    const credential = extracted.credential;
    if (credential === undefined) {
      if (opts.optional) return { ok: true as const, principal: undefined };
      return fail(new AuthError('credentials_required'), request);
    }
    let scheme: Scheme<P> | undefined;
    try {
      for (const s of schemes) {
        if (s.slots.includes(credential.slot) && s.accepts(credential)) {
          scheme = s;
          break;
        }
      }
    } catch (cause) {
      return fail(new AuthError('invalid_token', { cause }), request);
    }
    const challenge: ChallengeScheme =
      credential.slot === 'apiKey' ? 'ApiKey' : credential.slot === 'dpop' ? 'DPoP' : 'Bearer';
    if (!scheme) {
      return fail(
        new AuthError('invalid_token', {
          scheme: challenge,
          cause: new Error('no scheme accepts this credential'),
        }),
        request,
      );
    }
    let verified: AuthResult<P> | Promise<AuthResult<P>>;
    try {
      verified = scheme.verify(credential, request);
    } catch (cause) {
      verified = { ok: false, error: new AuthError('invalid_token', { cause }) };
    }
    if (!('then' in verified)) return finish(verified, challenge, request, opts);
    return verified.then(
      (result) => finish(result, challenge, request, opts),
      (cause: unknown) =>
        finish(
          { ok: false, error: new AuthError('invalid_token', { cause }) },
          challenge,
          request,
          opts,
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
        ? { ok: false, error: withScheme(denied, challengeOf(principal)) }
        : { ok: true, principal };
    },
    render: (error) => renderAuthError(error, renderOptions),
    schemes: schemes.map((s) => s.name),
  };
  Object.defineProperty(authenticator, RUN, { value: run });
  return authenticator;
}

const challengeOf = (principal: unknown): ChallengeScheme =>
  (principal as { scheme?: unknown } | undefined)?.scheme === 'apiKey' ? 'ApiKey' : 'Bearer';

function withScheme(error: AuthError, scheme: ChallengeScheme): AuthError {
  if (error.scheme === scheme) return error;
  return new AuthError(error.code, {
    description: error.description,
    cause: error.cause,
    scopes: error.scopes,
    scheme,
    params: error.params,
    headers: error.headers,
  });
}
