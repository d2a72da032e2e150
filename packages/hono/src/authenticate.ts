import type { AdapterOptions, Authenticator, Principal } from '@authcore/core';
import { bindAuthenticator } from '@authcore/core';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { errorMode, fail } from './lib/fail.js';
import { requestView } from './lib/request-view.js';
import type { AuthEnv } from './types.js';

/**
 * Authenticates the request and sets `c.get('auth')`. Required unless `optional`; with `scopes`
 * the principal must also hold them. Failures answer the core's rendering, or throw an
 * `HTTPException` with `errors: 'forward'`. Handlers chained after a required middleware see
 * `auth` as the principal (never `undefined`).
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options?: AdapterOptions & { optional?: false },
): MiddlewareHandler<AuthEnv<P>>;
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions,
): MiddlewareHandler<AuthEnv<P | undefined>>;
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): MiddlewareHandler<AuthEnv<P | undefined>> {
  if (typeof authenticator?.authenticate !== 'function') {
    throw new TypeError(
      '@authcore/hono: authenticate() needs an authenticator from createAuthenticator()',
    );
  }
  const mode = errorMode(options.errors);
  const trustProxy = options.trustProxy === true;
  const check = {
    optional: options.optional === true,
    ...(options.scopes !== undefined && { require: { scopes: options.scopes } }),
  };
  return createMiddleware<AuthEnv<P | undefined>>(async (c, next) => {
    bindAuthenticator(c, authenticator);
    const result = await authenticator.authenticate(requestView(c, trustProxy), check);
    if (!result.ok) return fail(c, result.error, authenticator.render(result.error), mode);
    c.set('auth', result.principal);
    await next();
  });
}
