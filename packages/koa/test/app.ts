import {
  type AnyPrincipal,
  type Authenticator,
  principalToJSON,
  type ResourceMetadataOptions,
} from '@authcore/core';
import { conformanceRoutes, optionalBody } from '@authcore/testing';
import Koa, { type Middleware } from 'koa';
import { type AuthState, authenticate, requireScopes, resourceMetadata } from '../src/index.js';

type Handler = Middleware<AuthState>;

/** Runs `stack` for one method and path, otherwise goes on: enough routing without a router. */
export const route =
  (method: string, path: string, ...stack: Handler[]): Handler =>
  async (ctx, next) => {
    if (ctx.method !== method || ctx.path !== path) return next();
    const run = async (i: number): Promise<void> => {
      await stack[i]?.(ctx, () => run(i + 1));
    };
    await run(0);
  };

/**
 * The conformance routes (see `@authcore/testing`): `GET /v1/orders` goes through the
 * `requireScopes` guard, `POST /v1/orders` through the `scopes` option of `authenticate`.
 */
export function conformanceApp(
  authenticator: Authenticator<AnyPrincipal>,
  metadata: ResourceMetadataOptions,
): Koa {
  const auth = authenticate(authenticator);
  return new Koa()
    .use(resourceMetadata(metadata))
    .use(
      route('GET', '/health', (ctx) => {
        ctx.body = conformanceRoutes.health;
      }),
    )
    .use(
      route('GET', '/v1/me', auth, (ctx) => {
        ctx.body = principalToJSON(ctx.state.auth!);
      }),
    )
    .use(
      route('GET', '/v1/orders', auth, requireScopes('orders:read'), (ctx) => {
        ctx.body = conformanceRoutes.orders;
      }),
    )
    .use(
      route(
        'POST',
        '/v1/orders',
        authenticate(authenticator, { scopes: 'orders:write' }),
        (ctx) => {
          ctx.status = 201;
          ctx.body = conformanceRoutes.created;
        },
      ),
    )
    .use(
      route('GET', '/v1/optional', authenticate(authenticator, { optional: true }), (ctx) => {
        ctx.body = optionalBody(ctx.state.auth);
      }),
    )
    .use(
      route('GET', '/v1/step-up', authenticate(authenticator, { acr: ['mfa'] }), (ctx) => {
        ctx.body = conformanceRoutes.stepUp;
      }),
    )
    .use(
      route(
        'GET',
        '/v1/recent',
        authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }),
        (ctx) => {
          ctx.body = conformanceRoutes.recent;
        },
      ),
    );
}
