import { type AnyPrincipal, type Authenticator, principalToJSON } from '@authcore/core';
import {
  type AuthState,
  authenticate,
  type ResourceMetadataOptions,
  requireScopes,
  resourceMetadata,
} from '@authcore/koa';
import Koa, { type Middleware } from 'koa';

type Handler = Middleware<AuthState>;

/** Runs `stack` for one method and path, otherwise goes on: routing enough for four routes. */
const route =
  (method: string, path: string, ...stack: Handler[]): Handler =>
  async (ctx, next) => {
    if (ctx.method !== method || ctx.path !== path) return next();
    const run = async (i: number): Promise<void> => {
      await stack[i]?.(ctx, () => run(i + 1));
    };
    await run(0);
  };

/**
 * The example API: the same routes and answers as every other authcore example, plus the RFC 9728
 * metadata document (`/.well-known/oauth-protected-resource`) when its options are given.
 */
export function createApp(
  authenticator: Authenticator<AnyPrincipal>,
  metadata?: ResourceMetadataOptions,
): Koa<AuthState> {
  const auth = authenticate(authenticator);
  const app = new Koa<AuthState>();
  if (metadata) app.use(resourceMetadata(metadata));
  return app
    .use(
      route('GET', '/health', (ctx) => {
        ctx.body = { status: 'ok' };
      }),
    )
    .use(
      route('GET', '/v1/me', auth, (ctx) => {
        ctx.body = principalToJSON(ctx.state.auth!);
      }),
    )
    .use(
      route('GET', '/v1/orders', auth, requireScopes('orders:read'), (ctx) => {
        ctx.body = { orders: [] };
      }),
    )
    .use(
      route('POST', '/v1/orders', auth, requireScopes('orders:write'), (ctx) => {
        ctx.status = 201;
        ctx.body = { created: true };
      }),
    )
    .use(
      route('GET', '/v1/optional', authenticate(authenticator, { optional: true }), (ctx) => {
        const principal = ctx.state.auth;
        ctx.body = principal
          ? { authenticated: true, principal: principalToJSON(principal) }
          : { authenticated: false };
      }),
    )
    .use(
      // Step-up (RFC 9470): only a user who signed in with MFA; others get a 401 with acr_values.
      route('GET', '/v1/step-up', authenticate(authenticator, { acr: ['mfa'] }), (ctx) => {
        ctx.body = { stepUp: true };
      }),
    )
    .use(
      route(
        'GET',
        '/v1/recent',
        authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }),
        (ctx) => {
          ctx.body = { recent: true };
        },
      ),
    )
    .use((ctx) => {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
    });
}
