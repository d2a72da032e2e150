// Checked by `pnpm typecheck` (tsc over tsconfig.test.json, which includes test/): a wrong type
// here fails CI, and an `@ts-expect-error` that no longer errors fails it too.
import {
  type AuthenticateOptions,
  type AuthenticateResult,
  type AuthResult,
  createAuthenticator,
  type JwtPrincipal,
  jwt,
  type Scheme,
} from '@authcore/core';
import { describe, expectTypeOf, it } from 'vitest';

const auth = createAuthenticator({
  schemes: [
    jwt({
      issuer: 'https://issuer.example',
      audience: 'https://api.example',
      algorithms: ['ES256'],
      jwksUri: 'https://issuer.example/jwks',
    }),
  ],
});
declare const request: Parameters<typeof auth.authenticate>[0];
declare const flag: boolean;
declare const options: AuthenticateOptions<JwtPrincipal>;
declare const maybeOptions: AuthenticateOptions<JwtPrincipal> | undefined;

type Required = AuthResult<JwtPrincipal>;
type Optional = AuthenticateResult<JwtPrincipal>;

describe('authenticate: the principal is present exactly when it must be', () => {
  it('required (no options, no optional, optional: false) always has a principal', async () => {
    expectTypeOf(await auth.authenticate(request)).toEqualTypeOf<Required>();
    expectTypeOf(await auth.authenticate(request, {})).toEqualTypeOf<Required>();
    expectTypeOf(
      await auth.authenticate(request, { require: { scopes: 'a' } }),
    ).toEqualTypeOf<Required>();
    expectTypeOf(await auth.authenticate(request, { optional: false })).toEqualTypeOf<Required>();
    const result = await auth.authenticate(request, { optional: false });
    if (result.ok) expectTypeOf(result.principal).toEqualTypeOf<JwtPrincipal>();
  });

  it('optional: true may have none', async () => {
    expectTypeOf(await auth.authenticate(request, { optional: true })).toEqualTypeOf<Optional>();
  });

  it('optional as a boolean known only at run time may have none', async () => {
    const result = await auth.authenticate(request, { optional: flag });
    expectTypeOf(result).toEqualTypeOf<Optional>();
    if (result.ok) expectTypeOf(result.principal).toEqualTypeOf<JwtPrincipal | undefined>();
    expectTypeOf(await auth.authenticate(request, options)).toEqualTypeOf<Optional>();
    expectTypeOf(await auth.authenticate(request, maybeOptions)).toEqualTypeOf<Optional>();
    if (result.ok) {
      // @ts-expect-error possibly undefined
      void result.principal.id;
    }
  });
});

describe('Scheme: its principal must carry a scope set', () => {
  it('a principal with scopes is a scheme; one without is not', () => {
    expectTypeOf<Scheme<{ id: string; scopes: ReadonlySet<string> }>>().not.toBeNever();
    // @ts-expect-error no `scopes`: every scope check would read it
    expectTypeOf<Scheme<{ id: string }>>();
    // @ts-expect-error `scopes` must be a set, not a list
    expectTypeOf<Scheme<{ id: string; scopes: string[] }>>();
  });

  it('createAuthenticator refuses a scheme whose principal has no scopes', () => {
    const scopeless = {
      name: 'scopeless',
      challenge: 'Bearer' as const,
      accepts: () => true,
      verify: () => ({ ok: true as const, principal: { id: 'x' } }),
    };
    // @ts-expect-error the principal has no `scopes`
    createAuthenticator({ schemes: [scopeless] });
    const scoped = {
      ...scopeless,
      verify: () => ({ ok: true as const, principal: { id: 'x', scopes: new Set<string>() } }),
    };
    createAuthenticator({ schemes: [scoped] });
  });
});
