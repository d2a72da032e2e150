import {
  type AdapterOptions,
  type Authenticator,
  bindAuthenticator,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { RequestHandler } from 'express';
import { sendRendered } from './lib/send.js';

/**
 * Express 5 middleware that authenticates the request and puts the principal on `req.auth`.
 * Required by default; `optional: true` lets requests without a credential through with
 * `req.auth` undefined (a bad credential still fails). `errors: 'forward'` calls `next(authError)`
 * instead of answering with the core's rendering.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): RequestHandler {
  const { optional = false, scopes, errors = 'respond', trustProxy = false } = options;
  const settings = { optional, ...(scopes !== undefined && { require: { scopes } }) };
  return async (req, res, next) => {
    bindAuthenticator(req, authenticator);
    const view = nodeRequestView(req, { trustProxy, originalUrl: req.originalUrl });
    const result = await authenticator.authenticate(view, settings);
    if (result.ok) {
      req.auth = result.principal;
      return next();
    }
    if (errors === 'forward') return next(result.error);
    sendRendered(res, authenticator.render(result.error));
  };
}
