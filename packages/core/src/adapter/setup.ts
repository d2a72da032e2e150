import {
  type AuthenticateOptions,
  type Authenticator,
  type Passage,
  type RunAuthenticate,
  sameTickEntry,
} from '../authenticator.js';
import type { Logger } from '../observe/logger.js';
import type { Requirement, ScopeRequirement } from '../scopes.js';

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

/** What an adapter's `authenticate` settles once, when it is built: the input of `authenticateFor`. */
export interface AdapterSetup<P> {
  readonly authenticator: Authenticator<P>;
  /** `errors: 'forward'`: refusals go to the framework's error path. */
  readonly forward: boolean;
  /** The options of every authentication (optional, scopes, step-up, audience). */
  readonly authenticateOptions: { optional: boolean; require?: Omit<Requirement, 'check'> };
  /**
   * The authenticator's same-tick entry (a `createAuthenticator` one, or a copy of it), else its
   * `authenticate`.
   */
  readonly run: RunAuthenticate<P>;
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

/**
 * Validates an adapter's `authenticate(authenticator, options)` at build time: a `TypeError`
 * names the adapter when the authenticator is missing or `errors`, `acr` or `maxAge` is malformed.
 */
export function adapterSetup<P>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
  adapter = '@authcore/core',
): AdapterSetup<P> {
  if (typeof (authenticator as { authenticate?: unknown } | null)?.authenticate !== 'function') {
    throw new TypeError(
      `${adapter}: authenticate() needs an authenticator from createAuthenticator()`,
    );
  }
  const { scopes, acr, maxAge, audience } = options;
  if (acr !== undefined && !(Array.isArray(acr) && acr.every((v) => typeof v === 'string'))) {
    throw new TypeError(`${adapter}: \`acr\` must be a list of acr values`);
  }
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new TypeError(`${adapter}: \`maxAge\` must be a number of seconds, 0 or more`);
  }
  const require = {
    ...(audience !== undefined && { audience }),
    ...(scopes !== undefined && { scopes }),
    ...(acr !== undefined && { acr }),
    ...(maxAge !== undefined && { maxAge }),
  };
  const authenticateOptions = {
    optional: options.optional === true,
    ...(Object.keys(require).length > 0 && { require }),
  };
  return {
    authenticator,
    forward: forwardsErrors(options.errors, adapter),
    authenticateOptions,
    run:
      sameTickEntry(authenticator) ??
      ((request, opts?: AuthenticateOptions<P>, _passage?: Passage, logger?: Logger) =>
        authenticator.authenticate(request, logger ? { ...opts, logger } : opts)),
  };
}
