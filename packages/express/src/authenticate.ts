import { type Authenticator, nodeRequestView, type Principal } from '@authcore/core';
import { type AdapterOptions, adapterSetup, authenticateFor } from '@authcore/core/adapter';
import type { Request, RequestHandler } from 'express';
import { refuse } from './lib/send.js';

/** Express's own `trust proxy` setting, asked about the peer this request came from. */
const trustedByApp = (req: Request): boolean => {
  // Unset (the default) or falsy trusts no one: no socket lookup.
  if (!req.app.get('trust proxy')) return false;
  const trust = req.app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  return trust(req.socket.remoteAddress ?? '', 0) === true;
};

/**
 * Express 5 middleware that authenticates the request and puts the principal on `req.auth`.
 * Required by default; `optional: true` lets requests without a credential through with
 * `req.auth` undefined (a bad credential still fails). With `scopes`, `acr` or `maxAge` the
 * principal must also satisfy them. `errors: 'forward'` calls `next(authError)` instead of
 * answering with the core's rendering. `X-Forwarded-*` are read as the app's `trust proxy`
 * setting says, unless `trustProxy` is given.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): RequestHandler {
  const setup = adapterSetup(authenticator, options, '@authcore/express');
  const { trustProxy } = options;
  // A cached token is answered in the same tick: no promise between the request and `next`.
  return (req, res, next) =>
    authenticateFor(
      setup,
      req,
      nodeRequestView(req, {
        trustProxy: trustProxy ?? trustedByApp(req),
        originalUrl: req.originalUrl,
      }),
      (outcome) => {
        if (!outcome.ok) return refuse(res, next, outcome);
        req.auth = outcome.principal;
        next();
      },
    );
}
