import {
  type AnyPrincipal,
  type ApiKeyPrincipal,
  type Authenticator,
  createAuthenticator,
  type JwtPrincipal,
  jwt,
} from '@authcore/core';
import {
  type AuthError,
  authenticate,
  isAuthError,
  type Principal,
  requireScopes,
} from '@authcore/express';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { expectTypeOf, test } from 'vitest';

declare const anyAuthenticator: Authenticator<AnyPrincipal>;
const jwtOnly = createAuthenticator({
  schemes: [
    jwt({
      issuer: 'https://issuer.test',
      audience: 'api',
      jwksUri: 'https://issuer.test/jwks',
      algorithms: ['ES256'],
    }),
  ],
});

test('req.auth is the registered Principal (every built-in kind by default), no casts', () => {
  expectTypeOf<Principal>().toEqualTypeOf<AnyPrincipal>();
  const app = express();
  app.get('/me', authenticate(anyAuthenticator), (req, res) => {
    expectTypeOf(req.auth).toEqualTypeOf<Principal | undefined>();
    if (!req.auth) return;
    expectTypeOf(req.auth.scopes).toEqualTypeOf<ReadonlySet<string>>();
    if (req.auth.scheme === 'jwt') expectTypeOf(req.auth).toEqualTypeOf<JwtPrincipal>();
    if (req.auth.scheme === 'apiKey') expectTypeOf(req.auth).toEqualTypeOf<ApiKeyPrincipal>();
    res.json({ id: req.auth.id, kind: req.auth.kind });
  });
  // On any request type of Express, routers included.
  express
    .Router()
    .post('/', (req) => expectTypeOf(req.auth).toEqualTypeOf<Principal | undefined>());
  expectTypeOf<Request['auth']>().toEqualTypeOf<Principal | undefined>();
});

test('middleware are plain RequestHandlers and take any authenticator of a Principal', () => {
  expectTypeOf(authenticate(jwtOnly)).toEqualTypeOf<RequestHandler>();
  expectTypeOf(
    authenticate(anyAuthenticator, { optional: true, scopes: { anyOf: ['a'] } }),
  ).toEqualTypeOf<RequestHandler>();
  expectTypeOf(requireScopes('a b')).toEqualTypeOf<RequestHandler>();
  expectTypeOf(requireScopes(['a'], { errors: 'forward' })).toEqualTypeOf<RequestHandler>();
  express().use('/api', authenticate(jwtOnly, { errors: 'forward', trustProxy: true }));
  // @ts-expect-error an authenticator of something that is not a Principal
  authenticate({} as Authenticator<{ id: string }>);
  // @ts-expect-error unknown option
  authenticate(jwtOnly, { optinal: true });
  // @ts-expect-error errors is 'respond' | 'forward'
  requireScopes('a', { errors: 'throw' });
});

test('a forwarded AuthError narrows in an error handler', () => {
  const onError: ErrorRequestHandler = (error, _req, res, next) => {
    if (!isAuthError(error)) return next(error);
    expectTypeOf(error).toEqualTypeOf<AuthError>();
    res.status(error.status).json({ code: error.code });
  };
  express().use(onError);
});
