import {
  type AnyPrincipal,
  apiKey,
  createAuthenticator,
  type InferPrincipal,
  jwt,
  MemoryApiKeyStore,
  type Principal,
} from '@authcore/core';
import { Hono, type MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthEnv,
  type AuthVariables,
  authenticate,
  type RequireScopesOptions,
  requireScopes,
} from '../src/index.js';

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
/** What this authenticator resolves: a JWT or an API key principal. */
type Resolved = InferPrincipal<typeof authenticator>;

describe('c.get("auth")', () => {
  it('is the registered Principal (every built-in kind when none is registered)', () => {
    expectTypeOf<Principal>().toEqualTypeOf<AnyPrincipal>();
    expectTypeOf<AuthVariables>().toEqualTypeOf<{ auth: Principal | undefined }>();
    expectTypeOf<AuthEnv>().toEqualTypeOf<{ Variables: AuthVariables }>();
  });

  it('is typed on any app through ContextVariableMap, with no generics and no casts', () => {
    const app = new Hono();
    app.use(authenticate(authenticator));
    app.get('/', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Principal | undefined>();
      expectTypeOf(c.var.auth).toEqualTypeOf<Principal | undefined>();
      return c.text('ok');
    });
  });

  it('is the principal itself in handlers chained after a required authenticate', () => {
    new Hono().get('/', authenticate(authenticator), requireScopes('a'), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Resolved>();
      expectTypeOf(c.var.auth.scopes).toEqualTypeOf<ReadonlySet<string>>();
      if (c.var.auth.scheme === 'apiKey') expectTypeOf(c.var.auth.claims.owner).toBeString();
      return c.text('ok');
    });
  });

  it('may be undefined after an optional authenticate', () => {
    new Hono().get('/', authenticate(authenticator, { optional: true }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Resolved | undefined>();
      return c.text('ok');
    });
    const optional: boolean = Math.random() > 0.5;
    new Hono().get('/', authenticate(authenticator, { optional }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Resolved | undefined>();
      return c.text('ok');
    });
  });

  it('is declared by AuthEnv for apps and middleware of your own', () => {
    new Hono<AuthEnv>().get('/', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<Principal | undefined>();
      return c.text('ok');
    });
    createMiddleware<AuthEnv>(async (c, next) => {
      expectTypeOf(c.var.auth).toEqualTypeOf<Principal | undefined>();
      await next();
    });
  });
});

describe('the middleware', () => {
  it('are Hono middleware', () => {
    expectTypeOf(authenticate(authenticator)).toExtend<MiddlewareHandler>();
    expectTypeOf(requireScopes({ anyOf: ['a', 'b'] })).toExtend<MiddlewareHandler>();
    expectTypeOf<RequireScopesOptions>().toEqualTypeOf<{ errors?: 'respond' | 'forward' }>();
  });

  it('take only what they understand', () => {
    // @ts-expect-error not an error mode
    authenticate(authenticator, { errors: 'throw' });
    // @ts-expect-error scopes are strings
    requireScopes([1]);
    // @ts-expect-error not an authenticator
    authenticate({ authenticate: () => undefined });
  });
});
