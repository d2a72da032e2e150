import {
  type Authenticator,
  recordedChallenge,
  reportGuardRefusal,
  withScheme,
} from '../authenticator.js';
import { AuthError } from '../errors.js';
import type { ScopeRequirement } from '../scopes.js';
import { type Refusal, refusal } from './refusal.js';

// Which authenticator authenticated a request, so a later scope guard renders with its options.
// A module-private symbol on the request object rather than a WeakMap: it is set on every
// request, and a property write costs far less than a WeakMap entry (and its GC bookkeeping).
const BOUND: unique symbol = Symbol('authcore.authenticator');
type Carrier = { [BOUND]?: Authenticator<unknown> };

export const bindAuthenticator = (carrier: object, authenticator: Authenticator<unknown>) => {
  (carrier as Carrier)[BOUND] = authenticator;
};

/**
 * The scope guard shared by every adapter: `undefined` to go on, or the refusal. A guard on a
 * request that was not authenticated (anonymous on an optional route) is a 401. The refusal is
 * challenged like the credential that authenticated the request (`DPoP … algs` for a DPoP-bound
 * token), as `authenticate(…, { scopes })` would answer. `forward`: see `forwardsErrors`.
 */
export function guardScopes(
  carrier: object,
  principal: unknown,
  scopes: ScopeRequirement,
  forward = false,
): Refusal | undefined {
  const authenticator = (carrier as Carrier)[BOUND];
  if (!authenticator) {
    throw new Error('authcore: a scope guard ran before `authenticate` on this route');
  }
  let error: AuthError;
  if (principal === undefined) error = new AuthError('credentials_required');
  else {
    const result = authenticator.authorize(principal, { scopes });
    if (result.ok) return undefined;
    const challenge = recordedChallenge(carrier);
    error = challenge ? withScheme(result.error, challenge) : result.error;
  }
  reportGuardRefusal(authenticator, carrier, error, principal);
  return refusal(authenticator, error, forward);
}
