import { guardScopes, type ScopeRequirement } from '@authcore/core';
import type { RequestHandler } from 'express';
import { errorMode, fail } from './lib/fail.js';
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
  const mode = errorMode(options.errors);
  return (req, res, next) => {
    const denied = guardScopes(req, req.auth, scopes);
    if (!denied) return next();
    fail(res, next, denied.error, denied.response, mode);
  };
}
