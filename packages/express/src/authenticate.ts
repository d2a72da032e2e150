import {
  type AdapterOptions,
  type AuthenticateResult,
  type Authenticator,
  adapterSetup,
  authenticateRequest,
  bindAuthenticator,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
  const settle = (
    result: AuthenticateResult<P>,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void => {
    if (result.ok) {
      req.auth = result.principal;
      next();
    } else refuse(res, next, forward, result.error, authenticator.render(result.error));
  };
  // A cached token is answered in the same tick: no promise between the request and `next`.
  return (req, res, next) => {
    bindAuthenticator(req, authenticator);
    const view = nodeRequestView(req, { trustProxy, originalUrl: req.originalUrl });
    const outcome = authenticateRequest(authenticator, view, authenticateOptions);
    if (!('then' in outcome)) return settle(outcome, req, res, next);
    return outcome.then((result) => settle(result, req, res, next));
  };
}
