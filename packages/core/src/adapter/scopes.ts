import { type Passage, reportGuardRefusal, withScheme } from '../authenticator.js';
import { AuthError } from '../errors.js';
import type { ScopeRequirement } from '../scopes.js';
import { type Refusal, refusal } from './refusal.js';

/**
 * The property `authenticateFor` sets on its carrier: what a later scope guard needs of the
 * request. A framework that declares its request's properties ahead (Fastify's `decorateRequest`)
 * declares this one too, so the write on every request changes no object's shape.
 */
export const PASSAGE: unique symbol = Symbol('authcore.passage');
type Carrier = { [PASSAGE]?: Passage };

export const attachPassage = (carrier: object, passage: Passage): void => {
  (carrier as Carrier)[PASSAGE] = passage;
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
  const passage = (carrier as Carrier)[PASSAGE];
  if (!passage) {
    throw new Error('authcore: a scope guard ran before `authenticate` on this route');
  }
  let error: AuthError;
  if (principal === undefined) error = new AuthError('credentials_required');
  else {
    const result = passage.authenticator.authorize(principal, { scopes });
    if (result.ok) return undefined;
    const { challenge } = passage;
    error = challenge ? withScheme(result.error, challenge) : result.error;
  }
  reportGuardRefusal(passage, error, principal);
  return refusal(passage.authenticator, error, forward);
}
