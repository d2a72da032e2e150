import type { ScopeRequirement } from '@authcore/core';
import { forwardsErrors, guardScopes } from '@authcore/core/adapter';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { refuse } from './lib/send.js';
import type { AuthEnv, RequireScopesOptions } from './types.js';

/**
 * A route's scope guard, after `authenticate`: all of a list or space-separated string, or
 * `{ anyOf }`. 403 `insufficient_scope` when missing, 401 on an anonymous optional request.
 */
export function requireScopes(
  scopes: ScopeRequirement,
  options: RequireScopesOptions = {},
): MiddlewareHandler<AuthEnv> {
  const forward = forwardsErrors(options.errors, '@authcore/hono');
  return createMiddleware<AuthEnv>(async (c, next) => {
    const refusal = guardScopes(c, c.get('auth'), scopes, forward);
    if (refusal) return refuse(c, refusal);
    await next();
  });
}
