import {
  type AdapterOptions,
  type Authenticator,
  adapterSetup,
  authenticateFor,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { RequestHandler } from 'express';
import { refuse } from './lib/send.js';

/**
 * Express 5 middleware that authenticates the request and puts the principal on `req.auth`.
 * Required by default; `optional: true` lets requests without a credential through with
 * `req.auth` undefined (a bad credential still fails). With `scopes`, `acr` or `maxAge` the
 * principal must also satisfy them. `errors: 'forward'` calls `next(authError)` instead of
 * answering with the core's rendering.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): RequestHandler {
  const { forward, authenticateOptions } = adapterSetup(
    authenticator,
    options,
    '@authcore/express',
  );
  const trustProxy = options.trustProxy === true;
  // A cached token is answered in the same tick: no promise between the request and `next`.
  return (req, res, next) =>
    authenticateFor(
      req,
      authenticator,
      nodeRequestView(req, { trustProxy, originalUrl: req.originalUrl }),
      authenticateOptions,
      (outcome) => {
        if (!outcome.ok) return refuse(res, next, forward, outcome.error, outcome.rendered);
        req.auth = outcome.principal;
        next();
      },
    );
}
