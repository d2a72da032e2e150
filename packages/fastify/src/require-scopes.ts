import type { ScopeRequirement } from '@authcore/core';
import { forwardsErrors, guardScopes } from '@authcore/core/adapter';
import type { AuthHook } from './authenticate.js';
import { refuse } from './lib/send.js';
import type { RequireScopesOptions } from './types.js';

/**
 * A hook after authentication (a route's `preHandler`, or an `onRequest` after `authenticate`):
 * all of the scopes (a list or a space-separated string) or `{ anyOf }`. Missing scopes are a
 * 403, an anonymous request (optional route) a 401. A guard that runs before any authentication
 * is a programming error: Fastify answers 500.
 */
export function requireScopes(
  scopes: ScopeRequirement,
  options: RequireScopesOptions = {},
): AuthHook {
  const forward = forwardsErrors(options.errors, '@authcore/fastify');
  return (request, reply, done) => {
    const refusal = guardScopes(request, request.auth, scopes, forward);
    if (refusal) refuse(reply, done, refusal);
    else done();
  };
}
