import { type Authenticator, nodeRequestView, type Principal } from '@authcore/core';
import { type AdapterOptions, adapterSetup, authenticateFor } from '@authcore/core/adapter';
import type { Middleware } from 'koa';
import { refuse } from './lib/send.js';
import type { AuthState } from './types.js';

/**
 * Koa 3 middleware that authenticates the request and sets `ctx.state.auth`. Required unless
 * `optional`; with `scopes`, `acr` or `maxAge` the principal must also satisfy them. Failures
 * answer with the core's rendering, or are thrown to your error middleware with
 * `errors: 'forward'`. `X-Forwarded-*` are read as `app.proxy` says, unless `trustProxy` is given.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): Middleware<AuthState> {
  const setup = adapterSetup(authenticator, options, '@authcore/koa');
  const { trustProxy } = options;
  // A cached token is answered in the same tick: no promise between the request and `next`.
  return (ctx, next) =>
    authenticateFor(
      setup,
      ctx,
      nodeRequestView(ctx.req, {
        trustProxy: trustProxy ?? ctx.app.proxy,
        originalUrl: ctx.originalUrl,
      }),
      (outcome) => {
        if (!outcome.ok) return refuse(ctx, outcome);
        ctx.state.auth = outcome.principal;
        return next();
      },
    );
}
