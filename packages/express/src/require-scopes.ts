import { guardScopes, type ScopeRequirement } from '@authcore/core';
import type { RequestHandler } from 'express';
import { sendRendered } from './lib/send.js';
import type { RequireScopesOptions } from './types.js';

/**
 * A route guard after `authenticate`: all of the scopes (a list or a space-separated string) or
 * `{ anyOf }`. Missing scopes are a 403, an anonymous request (optional route) a 401. A guard
 * with no `authenticate` before it is a programming error: Express answers 500.
 */
export function requireScopes(
  scopes: ScopeRequirement,
  options: RequireScopesOptions = {},
): RequestHandler {
  const forward = options.errors === 'forward';
  return (req, res, next) => {
    const denied = guardScopes(req, req.auth, scopes);
    if (!denied) return next();
    if (forward) return next(denied.error);
    sendRendered(res, denied.response);
  };
}
