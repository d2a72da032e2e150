import {
  type ApiKeyPrincipal,
  apiKey,
  createAuthenticator,
  type JwtClaims,
  jwt,
  MemoryApiKeyStore,
  type Principal,
} from '@authcore/core';
import Koa, { type Middleware } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { type AuthState, authenticate, requireScopes } from '../src/index.js';

const authenticator = createAuthenticator({
  schemes: [
    jwt({
      issuer: 'https://issuer.test',
      audience: 'api',
      jwksUri: 'https://issuer.test/jwks',
      algorithms: ['ES256'],
    }),
    apiKey({ store: new MemoryApiKeyStore() }),
  ],
});

describe('ctx.state.auth', () => {
  it('is the principal, or undefined, after authenticate', () => {
    new Koa().use(authenticate(authenticator)).use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Principal | undefined>();
      expectTypeOf(ctx.state.auth).not.toBeAny();
    });
  });

  it('is typed in a Middleware<AuthState> and narrows by scheme without casts', () => {
    const handler: Middleware<AuthState> = (ctx) => {
      const auth = ctx.state.auth;
      if (auth?.scheme === 'jwt') expectTypeOf(auth.claims).toEqualTypeOf<JwtClaims>();
      if (auth?.scheme === 'apiKey') expectTypeOf(auth).toEqualTypeOf<ApiKeyPrincipal>();
      if (auth) expectTypeOf(auth.scopes).toEqualTypeOf<ReadonlySet<string>>();
    };
    expectTypeOf(handler).toExtend<Middleware<AuthState>>();
  });

  it("is typed on an app with Koa's default state too (DefaultState augmentation)", () => {
    new Koa().use(async (ctx, next) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Principal | undefined>();
      await next();
    });
  });
});

describe('the middleware', () => {
  it('is a Koa middleware over AuthState', () => {
    expectTypeOf(authenticate(authenticator)).toEqualTypeOf<Middleware<AuthState>>();
    expectTypeOf(requireScopes('orders:read')).toEqualTypeOf<Middleware<AuthState>>();
  });

  it('takes the adapter options', () => {
    authenticate(authenticator, {
      optional: true,
      scopes: { anyOf: ['a', 'b'] },
      errors: 'forward',
      trustProxy: true,
    });
    requireScopes(['a', 'b'], { errors: 'forward' });
    requireScopes('a b');
    requireScopes({ anyOf: ['a', 'b'] });
    // @ts-expect-error not an error mode
    authenticate(authenticator, { errors: 'throw' });
    // @ts-expect-error requireScopes takes only `errors`
    requireScopes('a', { optional: true });
    // @ts-expect-error an authenticator is required
    authenticate();
  });
});
