import {
  auth0,
  cognito,
  createAuthenticator,
  entra,
  type InferPrincipal,
  type JwtOptions,
  type JwtProfile,
  jwt,
  keycloak,
  okta,
} from '@authcore/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

describe('profile types', () => {
  it('every profile spreads into jwt(), with more options after it', () => {
    const profiles: JwtProfile[] = [
      auth0({ domain: 'x.auth0.com', audience: 'https://api' }),
      okta({ issuer: 'https://x.okta.com/oauth2/default', audience: 'api://default' }),
      entra({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', audience: 'id', version: '1.0' }),
      keycloak({ url: 'https://sso.example.com', realm: 'acme', audience: 'api' }),
      cognito({ region: 'us-east-1', userPoolId: 'us-east-1_X', clientId: ['a', 'b'] }),
    ];
    for (const p of profiles) jwt({ ...p, cache: { maxEntries: 10 } });
  });

  it('a claims schema still types principal.claims; roles is a read-only set', () => {
    const auth = createAuthenticator({
      schemes: [
        jwt({
          ...keycloak({ url: 'https://sso.example.com', realm: 'acme', audience: 'api' }),
          claims: z.object({ sub: z.string(), preferred_username: z.string() }),
        }),
      ],
    });
    type P = InferPrincipal<typeof auth>;
    expectTypeOf<P['claims']['preferred_username']>().toEqualTypeOf<string>();
    expectTypeOf<P['roles']>().toEqualTypeOf<ReadonlySet<string>>();
  });

  it('an audience rule is always required', () => {
    // @ts-expect-error no audience rule
    const none: JwtOptions = { issuer: 'https://i', algorithms: ['RS256'], jwksUri: 'https://j' };
    // @ts-expect-error an empty object is no rule
    const empty: JwtOptions = { ...none, audience: {} };
    const clients: JwtOptions = { ...none, audience: { clientIds: ['a'] } };
    expectTypeOf(clients.audience).toEqualTypeOf<
      string | readonly string[] | { clientIds: string | readonly string[] }
    >();
    void empty;
    // @ts-expect-error cognito needs its app client
    cognito({ region: 'us-east-1', userPoolId: 'us-east-1_X' });
    // @ts-expect-error entra versions are '1.0' | '2.0'
    entra({ tenantId: 't', audience: 'a', version: '3.0' });
  });
});
