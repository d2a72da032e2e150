import type { Authenticator, Principal } from '@authcore/core';
import { type AdapterOptions, adapterSetup, authenticateFor } from '@authcore/core/adapter';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { requestView } from './lib/request-view.js';
import { refuse } from './lib/send.js';
import type { AuthEnv } from './types.js';

/**
 * Authenticates the request and sets `c.get('auth')`. Required unless `optional`; with `scopes`,
 * `acr` or `maxAge` the principal must also satisfy them. Failures answer the core's rendering, or throw an
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
  const setup = adapterSetup(authenticator, options, '@authcore/hono');
  const trustProxy = options.trustProxy === true;
  // A cached token is answered in the same tick: no await before `next`.
  return createMiddleware<AuthEnv<P | undefined>>(async (c, next) =>
    authenticateFor(setup, c, requestView(c, trustProxy), (outcome) => {
      if (!outcome.ok) return refuse(c, outcome);
      c.set('auth', outcome.principal);
      return next();
    }),
  );
}
