import {
  type AnyPrincipal,
  type ApiKeyPrincipal,
  type AuthError,
  type AuthenticateResult,
  type AuthResult,
  createAuthenticator,
  type InferPrincipal,
  type JwtClaims,
  type JwtPrincipal,
  jwt,
} from '@authcore/core';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const base = {
  issuer: 'https://issuer.example',
  audience: 'https://api.example',
  algorithms: ['ES256'],
  jwksUri: 'https://issuer.example/jwks',
} as const;

const Claims = z.object({ sub: z.string(), tenant: z.string(), roles: z.array(z.string()) });
type Claims = z.output<typeof Claims>;

const typed = createAuthenticator({ schemes: [jwt({ ...base, claims: Claims })] });
const plain = createAuthenticator({ schemes: [jwt(base)] });
declare const request: Parameters<typeof typed.authenticate>[0];

describe('principal types', () => {
  it('claims are the output of a zod schema', async () => {
    const result = await typed.authenticate(request);
    if (result.ok) {
      expectTypeOf(result.principal.claims).toEqualTypeOf<Claims>();
      expectTypeOf(result.principal.claims.tenant).toBeString();
      expectTypeOf(result.principal.kind).toEqualTypeOf<'user' | 'service'>();
      expectTypeOf(result.principal.scheme).toEqualTypeOf<'jwt'>();
      expectTypeOf(result.principal.scopes).toEqualTypeOf<ReadonlySet<string>>();
    }
  });

  it('claims are the output of a valibot schema', () => {
    const schema = v.object({ tenant: v.picklist(['a', 'b']) });
    const auth = createAuthenticator({ schemes: [jwt({ ...base, claims: schema })] });
    expectTypeOf<InferPrincipal<typeof auth>['claims']>().toEqualTypeOf<{
      tenant: 'a' | 'b';
    }>();
  });

  it('InferPrincipal', () => {
    expectTypeOf<InferPrincipal<typeof typed>>().toEqualTypeOf<JwtPrincipal<Claims>>();
    expectTypeOf<InferPrincipal<typeof plain>>().toEqualTypeOf<JwtPrincipal<JwtClaims>>();
    expectTypeOf<InferPrincipal<string>>().toBeNever();
  });

  it('AuthResult narrows on ok', () => {
    const result = {} as AuthResult<JwtPrincipal<Claims>>;
    if (result.ok) {
      expectTypeOf(result.principal).toEqualTypeOf<JwtPrincipal<Claims>>();
      // @ts-expect-error no error on success
      void result.error;
    } else {
      expectTypeOf(result.error).toEqualTypeOf<AuthError>();
      // @ts-expect-error no principal on failure
      void result.principal;
    }
  });

  it('optional mode may give no principal; required mode always does', async () => {
    const optional = await typed.authenticate(request, { optional: true });
    expectTypeOf(optional).toEqualTypeOf<AuthenticateResult<JwtPrincipal<Claims>>>();
    if (optional.ok) {
      expectTypeOf(optional.principal).toEqualTypeOf<JwtPrincipal<Claims> | undefined>();
    }
    const required = await typed.authenticate(request);
    expectTypeOf(required).toEqualTypeOf<AuthResult<JwtPrincipal<Claims>>>();
  });

  it('requirement predicates see the typed principal', () => {
    typed.authorize({} as JwtPrincipal<Claims>, {
      check: (p) => {
        expectTypeOf(p.claims.roles).toEqualTypeOf<string[]>();
        return p.claims.roles.includes('admin');
      },
    });
  });

  it('AnyPrincipal discriminates on scheme', () => {
    const p = {} as AnyPrincipal;
    if (p.scheme === 'apiKey') {
      expectTypeOf(p).toEqualTypeOf<ApiKeyPrincipal>();
      expectTypeOf(p.kind).toEqualTypeOf<'application'>();
    }
    if (p.scheme === 'jwt') expectTypeOf(p).toEqualTypeOf<JwtPrincipal>();
  });

  it('unknown algorithms are refused by the types', () => {
    // @ts-expect-error algorithms must be known JWS algorithms
    jwt({ ...base, algorithms: ['XS256'] });
  });

  it('DPoP needs the origins the API is served at', () => {
    // @ts-expect-error `dpop: true` does not say where the API is served
    jwt({ ...base, dpop: true });
    // @ts-expect-error nor does a DPoP options object without `origins`
    jwt({ ...base, dpop: { required: true } });
    jwt({ ...base, dpop: { origins: ['https://api.example'] } });
    jwt({ ...base, dpop: { origins: (origin: string) => origin.endsWith('.example') } });
    jwt({ ...base, dpop: false });
  });
});
