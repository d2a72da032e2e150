import { AuthError } from './errors.js';
import type { AnyPrincipal } from './principal.js';

/** Scopes from a space-delimited `scope` claim (RFC 8693 §4.2) or an `scp` array. */
export function parseScopes(scope: unknown, scp?: unknown): Set<string> {
  const out = new Set<string>();
  if (typeof scope === 'string') {
    for (const s of scope.split(' ')) if (s) out.add(s);
  }
  if (Array.isArray(scp)) {
    for (const s of scp) if (typeof s === 'string' && s) out.add(s);
  } else if (typeof scp === 'string') {
    for (const s of scp.split(' ')) if (s) out.add(s);
  }
  return out;
}

/** All of the scopes (a list or a space-delimited string), or any one of them. */
export type ScopeRequirement = string | readonly string[] | { readonly anyOf: readonly string[] };

export interface Requirement<P = AnyPrincipal> {
  scopes?: ScopeRequirement;
  /** A predicate on the principal (claims, kind…); `false` is `insufficient_scope`. */
  check?: (principal: P) => boolean;
  /**
   * Step-up (RFC 9470): the token's `acr` must be one of these, else
   * `insufficient_user_authentication` (401) with `acr_values`.
   */
  acr?: readonly string[];
  /**
   * Step-up (RFC 9470): seconds since `auth_time` at most, else 401 with `max_age`. An unknown,
   * invalid or future `auth_time` (beyond 5 s of clock leeway) fails it too.
   */
  maxAge?: number;
  /**
   * RFC 8707: this route is the resource `audience` (or one of them); a token issued for another
   * resource is `invalid_token`, so one authenticator can serve several resources.
   */
  audience?: string | readonly string[];
}

/** What `authorize` reads of a principal. */
export interface AuthorizablePrincipal {
  readonly scopes: ReadonlySet<string>;
  readonly audience?: readonly string[];
  readonly acr?: string | undefined;
  readonly authTime?: Date | undefined;
}

// Seconds an `auth_time` may lie ahead of this clock: the `jwt` scheme's default tolerance.
const AUTH_TIME_LEEWAY_MS = 5_000;

// RFC 9470 §3: one challenge carries both parameters when both apply.
function checkStepUp(
  principal: AuthorizablePrincipal,
  req: Requirement<never>,
  now: number,
): AuthError | undefined {
  const params: Record<string, string> = {};
  if (req.acr && !(principal.acr !== undefined && req.acr.includes(principal.acr))) {
    params.acr_values = req.acr.join(' ');
  }
  if (req.maxAge !== undefined) {
    const at = principal.authTime instanceof Date ? principal.authTime.getTime() : Number.NaN;
    // Written so that NaN (no or an invalid date) fails: an authentication in the future says
    // nothing about how recent it is.
    const recent = now - at <= req.maxAge * 1000 && at <= now + AUTH_TIME_LEEWAY_MS;
    if (!recent) params.max_age = String(req.maxAge);
  }
  if (Object.keys(params).length === 0) return undefined;
  return new AuthError('insufficient_user_authentication', {
    params,
    cause: new Error('step-up required'),
    reason: params.acr_values !== undefined ? 'acr_mismatch' : 'auth_too_old',
  });
}

const toList = (s: string | readonly string[]) =>
  typeof s === 'string' ? s.split(' ').filter(Boolean) : s;

/**
 * Checks a principal against a requirement. `undefined` when it passes; otherwise an
 * `insufficient_scope` error (403) whose challenge names the scopes needed.
 */
export function authorize<P extends AuthorizablePrincipal>(
  principal: P,
  requirement: Requirement<P>,
  now: number = Date.now(),
): AuthError | undefined {
  const { scopes, check } = requirement;
  if (requirement.audience !== undefined) {
    const wanted = [requirement.audience].flat();
    if (!principal.audience?.some((a) => wanted.includes(a))) {
      return new AuthError('invalid_token', {
        cause: new Error('token issued for another resource'),
        reason: 'audience_mismatch',
      });
    }
  }
  const stepUp = checkStepUp(principal, requirement, now);
  if (stepUp) return stepUp;
  if (scopes !== undefined) {
    // A custom scheme's principal without a scope set (the types forbid it) has no scope, rather
    // than a TypeError thrown at the request.
    if (typeof principal.scopes?.has !== 'function') {
      const needed =
        typeof scopes === 'object' && 'anyOf' in scopes ? scopes.anyOf : toList(scopes);
      return new AuthError('insufficient_scope', {
        scopes: needed,
        cause: new Error('principal has no scope set'),
        reason: 'scope_missing',
      });
    }
    if (typeof scopes === 'object' && 'anyOf' in scopes) {
      const any = scopes.anyOf;
      if (!any.some((s) => principal.scopes.has(s)))
        return new AuthError('insufficient_scope', { scopes: any, reason: 'scope_missing' });
    } else {
      const all = toList(scopes);
      if (!all.every((s) => principal.scopes.has(s)))
        return new AuthError('insufficient_scope', { scopes: all, reason: 'scope_missing' });
    }
  }
  if (check) {
    let passed = false;
    try {
      passed = check(principal) === true;
    } catch (cause) {
      return new AuthError('insufficient_scope', { cause, reason: 'check_failed' });
    }
    if (!passed)
      return new AuthError('insufficient_scope', {
        cause: new Error('claim predicate refused'),
        reason: 'check_failed',
      });
  }
  return undefined;
}

/**
 * A reusable `Requirement` of scopes (all of them by default, or `{ anyOf }`) for
 * `authenticate(request, { require })` and `authorize`. The adapters' `requireScopes` is the
 * route guard; this is only the value.
 */
export const scopeRequirement = (scopes: ScopeRequirement): { scopes: ScopeRequirement } => ({
  scopes,
});
