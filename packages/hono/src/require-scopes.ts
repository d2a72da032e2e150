import { guardScopes, type ScopeRequirement } from '@authcore/core';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { errorMode, fail } from './lib/fail.js';
import type { AuthEnv, RequireScopesOptions } from './types.js';

/**
 * A route's scope guard, after `authenticate`: all of a list or space-separated string, or
 * `{ anyOf }`. 403 `insufficient_scope` when missing, 401 on an anonymous optional request.
 */
export function requireScopes(
  scopes: ScopeRequirement,
  options: RequireScopesOptions = {},
): MiddlewareHandler<AuthEnv> {
  const mode = errorMode(options.errors);
  return createMiddleware<AuthEnv>(async (c, next) => {
    const denied = guardScopes(c, c.get('auth'), scopes);
    if (denied) return fail(c, denied.error, denied.response, mode);
    await next();
  });
}
