import {
  type AdapterOptions,
  type Authenticator,
  bindAuthenticator,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { RequestHandler } from 'express';
import { errorMode, fail } from './lib/fail.js';

/**
 * Express 5 middleware that authenticates the request and puts the principal on `req.auth`.
 * Required by default; `optional: true` lets requests without a credential through with
 * `req.auth` undefined (a bad credential still fails). With `scopes` the principal must also hold
 * them. `errors: 'forward'` calls `next(authError)` instead of answering with the core's rendering.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): RequestHandler {
  if (typeof authenticator?.authenticate !== 'function') {
    throw new TypeError(
      '@authcore/express: authenticate() needs an authenticator from createAuthenticator()',
    );
  }
  const mode = errorMode(options.errors);
  const trustProxy = options.trustProxy === true;
  const check = {
    optional: options.optional === true,
    ...(options.scopes !== undefined && { require: { scopes: options.scopes } }),
  };
  return async (req, res, next) => {
    bindAuthenticator(req, authenticator);
    const view = nodeRequestView(req, { trustProxy, originalUrl: req.originalUrl });
    const result = await authenticator.authenticate(view, check);
    if (!result.ok) return fail(res, next, result.error, authenticator.render(result.error), mode);
    req.auth = result.principal;
    next();
  };
}
