import type { ScopeRequirement } from '@authcore/core';
import { forwardsErrors, guardScopes } from '@authcore/core/adapter';
import type { Middleware } from 'koa';
import { refuse } from './lib/send.js';
import type { AuthState, RequireScopesOptions } from './types.js';

/**
 * A route guard after `authenticate`: all of the scopes (a list or a space-separated string) or
 * `{ anyOf }`. Missing scopes are a 403, an anonymous request (optional route) a 401. A guard
 * with no `authenticate` before it is a programming error: it throws, and Koa answers 500.
 */
export function requireScopes(
  scopes: ScopeRequirement,
  options: RequireScopesOptions = {},
): Middleware<AuthState> {
  const forward = forwardsErrors(options.errors, '@authcore/koa');
  return (ctx, next) => {
    const refusal = guardScopes(ctx, ctx.state.auth, scopes, forward);
    if (!refusal) return next();
    refuse(ctx, refusal);
  };
}
