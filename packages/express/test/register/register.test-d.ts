// Compiled on its own (tsconfig.json beside it): a registration changes `Principal` everywhere.
import { createAuthenticator, type InferPrincipal, jwt } from '@authcore/core';
import { authenticate } from '@authcore/express';
import express from 'express';
import { expectTypeOf } from 'vitest';

const authenticator = createAuthenticator({
  schemes: [
    jwt({
      issuer: 'https://issuer.test',
      audience: 'api',
      jwksUri: 'https://issuer.test/jwks',
      algorithms: ['ES256'],
    }),
  ],
});

declare module '@authcore/core' {
  interface Register {
    principal: InferPrincipal<typeof authenticator>;
  }
}

express().get('/me', authenticate(authenticator), (req, res) => {
  // Only JWTs are configured, so `req.auth` is a JWT principal: no API key branch to handle.
  expectTypeOf(req.auth).toEqualTypeOf<InferPrincipal<typeof authenticator> | undefined>();
  expectTypeOf(req.auth!.scheme).toEqualTypeOf<'jwt'>();
  res.json({ sub: req.auth?.claims.sub });
});
