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
import type { Middleware, Next, ParameterizedContext } from 'koa';
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
  const settle = (
    result: AuthenticateResult<P>,
    ctx: ParameterizedContext<AuthState>,
    next: Next,
  ): Promise<void> | void => {
    if (!result.ok) return refuse(ctx, forward, result.error, authenticator.render(result.error));
    ctx.state.auth = result.principal;
    return next();
  };
  // A cached token is answered in the same tick: no promise between the request and `next`.
  return (ctx, next) => {
    bindAuthenticator(ctx, authenticator);
    const view = nodeRequestView(ctx.req, {
      trustProxy: options.trustProxy ?? ctx.app.proxy,
      originalUrl: ctx.originalUrl,
    });
    const outcome = authenticateRequest(authenticator, view, authenticateOptions);
    if (!('then' in outcome)) return settle(outcome, ctx, next);
    return outcome.then((result) => settle(result, ctx, next));
  };
}
