// Type tests, checked by `pnpm typecheck` (tsconfig.test.json): `jwt()` takes exactly one key
// source, so a configuration with none or two fails to compile. An unused `@ts-expect-error` is
// itself an error, so each of these fails if the type lets the mistake through.
import { type JwtOptions, jwt, type SchemePrincipal } from '@authcore/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const base = {
  issuer: 'https://issuer.example/',
  audience: 'https://api.example',
  algorithms: ['ES256'],
} as const;
declare const jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };

describe('JwtOptions key source', () => {
  it('accepts each key source alone', () => {
    jwt({ ...base, keys: jwk });
    jwt({ ...base, keys: { keys: [jwk] } });
    jwt({ ...base, jwksUri: 'https://issuer.example/jwks' });
    jwt({ ...base, discovery: true });
    jwt({ ...base, algorithms: ['HS256'], secret: 'a secret of at least thirty-two bytes' });
    // `discovery: false` says "not discovery" and goes with any other source.
    jwt({ ...base, discovery: false, jwksUri: 'https://issuer.example/jwks' });
  });

  it('refuses no key source', () => {
    // @ts-expect-error: no key source
    jwt({ ...base });
    // @ts-expect-error: `discovery: false` is no key source
    jwt({ ...base, discovery: false });
    // @ts-expect-error: no key source in a typed variable either
    const options: JwtOptions = { ...base };
    void options;
  });

  it('refuses two key sources', () => {
    // @ts-expect-error: keys and jwksUri
    jwt({ ...base, keys: jwk, jwksUri: 'https://issuer.example/jwks' });
    // @ts-expect-error: jwksUri and discovery
    jwt({ ...base, jwksUri: 'https://issuer.example/jwks', discovery: true });
    // @ts-expect-error: keys and secret
    jwt({ ...base, keys: jwk, secret: 'a secret of at least thirty-two bytes' });
    // @ts-expect-error: discovery and secret
    jwt({ ...base, discovery: true, secret: 'a secret of at least thirty-two bytes' });
    // @ts-expect-error: the four at once
    jwt({ ...base, keys: jwk, jwksUri: 'https://x.example/jwks', discovery: true, secret: 's' });
  });

  it('keeps JwtOptions<Claims> generic over the claims schema', () => {
    const Claims = z.object({ sub: z.string(), tenant: z.string() });
    const options: JwtOptions<z.output<typeof Claims>> = {
      ...base,
      discovery: true,
      claims: Claims,
    };
    const scheme = jwt(options);
    expectTypeOf<SchemePrincipal<typeof scheme>['claims']>().toEqualTypeOf<{
      sub: string;
      tenant: string;
    }>();
  });
});
