import {
  type AdapterOptions,
  type Authenticator,
  bindAuthenticator,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { Middleware } from 'koa';
import { errorMode, fail } from './lib/fail.js';
import type { AuthState } from './types.js';

/**
 * Koa 3 middleware that authenticates the request and sets `ctx.state.auth`. Required unless
 * `optional`; with `scopes` the principal must also hold them. Failures answer with the core's
 * rendering, or are thrown to your error middleware with `errors: 'forward'`.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): Middleware<AuthState> {
  if (typeof authenticator?.authenticate !== 'function') {
    throw new TypeError(
      '@authcore/koa: authenticate() needs an authenticator from createAuthenticator()',
    );
  }
  const mode = errorMode(options.errors);
  const check = {
    optional: options.optional === true,
    ...(options.scopes !== undefined && { require: { scopes: options.scopes } }),
  };
  return async (ctx, next) => {
    bindAuthenticator(ctx, authenticator);
    const view = nodeRequestView(ctx.req, {
      trustProxy: options.trustProxy ?? ctx.app.proxy,
      originalUrl: ctx.originalUrl,
    });
    const result = await authenticator.authenticate(view, check);
    if (!result.ok) return fail(ctx, result.error, authenticator.render(result.error), mode);
    ctx.state.auth = result.principal;
    await next();
  };
}
