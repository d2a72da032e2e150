import type { AnyPrincipal, Authenticator, Principal } from '@authcore/core';
import {
  type AuthcorePluginOptions,
  type AuthHook,
  authcore,
  authenticate,
  type RouteAuthOptions,
  requireScopes,
} from '@authcore/fastify';
import Fastify, { type FastifyContextConfig, type FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';

declare const authenticator: Authenticator<AnyPrincipal>;

describe('@authcore/fastify types', () => {
  it('types request.auth as Principal | undefined without casts', () => {
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<Principal | undefined>();
    const app = Fastify();
    app.get('/me', async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<Principal | undefined>();
      if (request.auth) {
        expectTypeOf(request.auth.id).toBeString();
        expectTypeOf(request.auth.scopes).toEqualTypeOf<ReadonlySet<string>>();
        expectTypeOf(request.auth.kind).toEqualTypeOf<'user' | 'service' | 'application'>();
      }
      return { id: request.auth?.id };
    });
  });

  it('registers with an authenticator and AdapterOptions defaults', () => {
    const app = Fastify();
    app.register(authcore, { authenticator });
    app.register(authcore, {
      authenticator,
      optional: true,
      scopes: { anyOf: ['a', 'b'] },
      errors: 'forward',
      trustProxy: true,
    });
    expectTypeOf<AuthcorePluginOptions['authenticator']>().toEqualTypeOf<
      Authenticator<Principal>
    >();
    // @ts-expect-error the authenticator is required
    app.register(authcore, { optional: true });
    // @ts-expect-error errors is 'respond' or 'forward'
    app.register(authcore, { authenticator, errors: 'throw' });
  });

  it('types the route config.auth', () => {
    expectTypeOf<FastifyContextConfig['auth']>().toEqualTypeOf<
      RouteAuthOptions | false | undefined
    >();
    const app = Fastify();
    app.get('/a', { config: { auth: false } }, async () => 'ok');
    app.get(
      '/b',
      { config: { auth: { optional: true, scopes: 'orders:read' } } },
      async () => 'ok',
    );
    app.get(
      '/c',
      { config: { auth: { scopes: { anyOf: ['x'] }, errors: 'forward' } } },
      async () => 'ok',
    );
    // Fastify infers a route's config type from the literal, so misuse is checked on the type itself.
    // @ts-expect-error `true` is not a route auth config
    const notTrue: FastifyContextConfig = { auth: true };
    // @ts-expect-error unknown option
    const unknownOption: FastifyContextConfig = { auth: { scope: 'x' } };
    expectTypeOf(notTrue).toEqualTypeOf(unknownOption);
  });

  it('gives hooks that fit onRequest and preHandler, typed routes included', () => {
    const hook = authenticate(authenticator, { optional: true });
    expectTypeOf(hook).toEqualTypeOf<AuthHook>();
    expectTypeOf(requireScopes('a b', { errors: 'forward' })).toEqualTypeOf<AuthHook>();
    const app = Fastify();
    app.addHook('onRequest', hook);
    app.addHook('preHandler', requireScopes(['a']));
    app.post<{ Body: { name: string }; Params: { id: string } }>(
      '/items/:id',
      { onRequest: [hook], preHandler: requireScopes({ anyOf: ['a', 'b'] }) },
      async (request) => {
        expectTypeOf(request.body.name).toBeString();
        expectTypeOf(request.auth).toEqualTypeOf<Principal | undefined>();
        return 'ok';
      },
    );
    // @ts-expect-error requireScopes takes no authenticator options
    requireScopes('a', { optional: true });
  });
});
