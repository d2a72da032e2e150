import {
  type AdapterOptions,
  type Authenticator,
  adapterSetup,
  bindAuthenticator,
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
  return async (ctx, next) => {
    bindAuthenticator(ctx, authenticator);
    const view = nodeRequestView(ctx.req, {
      trustProxy: options.trustProxy ?? ctx.app.proxy,
      originalUrl: ctx.originalUrl,
    });
    const result = await authenticator.authenticate(view, authenticateOptions);
    if (!result.ok) return refuse(ctx, forward, result.error, authenticator.render(result.error));
    ctx.state.auth = result.principal;
    await next();
  };
}
