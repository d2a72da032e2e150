import {
  type AdapterOptions,
  type Authenticator,
  adapterSetup,
  authenticateFor,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { Middleware } from 'koa';
import { refuse } from './lib/send.js';
import type { AuthState } from './types.js';

/**
 * Koa 3 middleware that authenticates the request and sets `ctx.state.auth`. Required unless
 * `optional`; with `scopes`, `acr` or `maxAge` the principal must also satisfy them. Failures
 * answer with the core's rendering, or are thrown to your error middleware with
 * `errors: 'forward'`.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): Middleware<AuthState> {
  const { forward, authenticateOptions } = adapterSetup(authenticator, options, '@authcore/koa');
  // A cached token is answered in the same tick: no promise between the request and `next`.
  return (ctx, next) =>
    authenticateFor(
      ctx,
      authenticator,
      nodeRequestView(ctx.req, {
        trustProxy: options.trustProxy ?? ctx.app.proxy,
        originalUrl: ctx.originalUrl,
      }),
      authenticateOptions,
      (outcome) => {
        if (!outcome.ok) return refuse(ctx, forward, outcome.error, outcome.rendered);
        ctx.state.auth = outcome.principal;
        return next();
      },
    );
}
