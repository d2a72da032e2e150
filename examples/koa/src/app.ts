import {
  type AnyPrincipal,
  type Authenticator,
  type MetadataResponse,
  principalToJSON,
} from '@authcore/core';
import { type AuthState, authenticate, requireScopes } from '@authcore/koa';
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
 * metadata document (`/.well-known/oauth-protected-resource`) when `resourceMetadata` is given.
 */
export function createApp(
  authenticator: Authenticator<AnyPrincipal>,
  resourceMetadata?: (method: string, path: string) => MetadataResponse | undefined,
): Koa<AuthState> {
  const auth = authenticate(authenticator);
  return new Koa<AuthState>()
    .use(async (ctx, next) => {
      const metadata = resourceMetadata?.(ctx.method, ctx.path);
      if (!metadata) return next();
      ctx.status = metadata.status;
      ctx.set(metadata.headers);
      ctx.body = metadata.body;
    })
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
    .use((ctx) => {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
    });
}
