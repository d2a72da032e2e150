import type { ScopeRequirement } from '@authcore/core';
import { forwardsErrors, guardScopes } from '@authcore/core/adapter';
import type { RequestHandler } from 'express';
import { refuse } from './lib/send.js';
import type { RequireScopesOptions } from './types.js';

/**
 * A route guard after `authenticate`: all of the scopes (a list or a space-separated string) or
 * `{ anyOf }`. Missing scopes are a 403, an anonymous request (optional route) a 401. A guard
 * with no `authenticate` before it is a programming error: it throws, and Express answers 500.
 */
export function requireScopes(
  scopes: ScopeRequirement,
  options: RequireScopesOptions = {},
): RequestHandler {
  const forward = forwardsErrors(options.errors, '@authcore/express');
  return (req, res, next) => {
    const refusal = guardScopes(req, req.auth, scopes, forward);
    if (refusal) refuse(res, next, refusal);
    else next();
  };
}
