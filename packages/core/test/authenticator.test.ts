import {
  type AuthError,
  type AuthResult,
  createAuthenticator,
  jwt,
  nodeRequestView,
  principalToJSON,
  type Scheme,
} from '@authcore/core';
import { adapterSetup } from '@authcore/core/adapter';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  INVALID_TOKEN,
  jwtAuthenticator,
  jwtOptions,
  NOW_S,
  rendered,
  sign,
  type TestKey,
  testKeys,
  userClaims,
} from './fixtures.js';

let key: TestKey;
beforeAll(async () => {
  key = (await testKeys()).ES256;
});

const FORBIDDEN = (scope: string) => ({
  status: 403,
  code: 'insufficient_scope',
  wwwAuthenticate: `Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="${scope}"`,
  body: '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
});

describe('construction', () => {
  it('needs at least one scheme', () => {
    expect(() => createAuthenticator({ schemes: [] })).toThrow(TypeError);
  });
});

describe('authenticate(view, { require })', () => {
  it('all-of passes and fails with the scopes named', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const view = bearer(await sign(key, userClaims({ scope: 'read write' })));
    expect((await auth.authenticate(view, { require: { scopes: ['read', 'write'] } })).ok).toBe(
      true,
    );
    const denied = await auth.authenticate(view, { require: { scopes: ['read', 'admin'] } });
    expect(rendered(auth, denied, 'scope_missing')).toEqual(FORBIDDEN('read admin'));
  });

  it('any-of and the string form', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const view = bearer(await sign(key, userClaims({ scope: 'read' })));
    expect(
      (await auth.authenticate(view, { require: { scopes: { anyOf: ['admin', 'read'] } } })).ok,
    ).toBe(true);
    expect(
      rendered(
        auth,
        await auth.authenticate(view, { require: { scopes: { anyOf: ['x', 'y'] } } }),
        'scope_missing',
      ),
    ).toEqual(FORBIDDEN('x y'));
    expect(
      rendered(
        auth,
        await auth.authenticate(view, { require: { scopes: 'read x' } }),
        'scope_missing',
      ),
    ).toEqual(FORBIDDEN('read x'));
  });

  it('a claim predicate; a throwing one is 403', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const view = bearer(await sign(key, userClaims({ tenant: 'acme' })));
    const ok = await auth.authenticate(view, {
      require: { check: (p) => p.claims.tenant === 'acme' },
    });
    expect(ok.ok).toBe(true);
    const refused = await auth.authenticate(view, {
      require: { check: (p) => p.claims.tenant === 'other' },
    });
    const thrown = await auth.authenticate(view, {
      require: {
        check: () => {
          throw new Error('boom');
        },
      },
    });
    const noScope = {
      status: 403,
      code: 'insufficient_scope',
      wwwAuthenticate:
        'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope"',
      body: '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
    };
    expect(rendered(auth, refused, 'check_failed')).toEqual(noScope);
    expect(rendered(auth, thrown, 'check_failed')).toEqual(noScope);
  });
});

describe('authenticator.authorize', () => {
  it('checks an authenticated principal', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const result = await auth.authenticate(bearer(await sign(key, userClaims({ scope: 'a b' }))));
    if (!result.ok) throw result.error;
    expect(auth.authorize(result.principal, { scopes: 'a' })).toEqual({
      ok: true,
      principal: result.principal,
    });
    expect(
      rendered(auth, auth.authorize(result.principal, { scopes: ['a', 'c'] }), 'scope_missing'),
    ).toEqual(FORBIDDEN('a c'));
    expect(
      rendered(
        auth,
        auth.authorize(result.principal, { scopes: { anyOf: ['c'] } }),
        'scope_missing',
      ),
    ).toEqual(FORBIDDEN('c'));
    const thrown = auth.authorize(result.principal, {
      check: () => {
        throw new Error('boom');
      },
    });
    expect(thrown.ok).toBe(false);
    expect(!thrown.ok && thrown.error.status).toBe(403);
  });
});

describe('never throws for what a request carries', () => {
  const throwing: Scheme<{ id: string; scopes: Set<string> }> = {
    name: 'throwing',
    challenge: 'Bearer',
    accepts: () => true,
    verify: async () => {
      throw new Error('bug in a scheme');
    },
  };

  it('a principal without a scope set (a custom scheme the types refuse) is insufficient_scope', async () => {
    const scopeless = {
      name: 'scopeless',
      challenge: 'Bearer',
      accepts: () => true,
      verify: () => ({ ok: true, principal: { id: 'x' } }),
    } as unknown as Scheme<{ id: string; scopes: Set<string> }>;
    const auth = createAuthenticator({ schemes: [scopeless] });
    const view = bearer('abc');
    expect((await auth.authenticate(view)).ok).toBe(true);
    for (const scopes of ['orders:read', ['orders:read'], { anyOf: ['orders:read'] }]) {
      const pending = auth.authenticate(view, { require: { scopes } });
      await expect(pending).resolves.toBeDefined();
      expect(rendered(auth, await pending, 'scope_missing')).toEqual(FORBIDDEN('orders:read'));
      const principal = { id: 'x' } as unknown as { id: string; scopes: Set<string> };
      expect(rendered(auth, auth.authorize(principal, { scopes }), 'scope_missing')).toEqual(
        FORBIDDEN('orders:read'),
      );
    }
  });

  it('a scheme that throws is invalid_token', async () => {
    const auth = createAuthenticator({ schemes: [throwing] });
    expect(rendered(auth, await auth.authenticate(bearer('abc')), 'scheme_error')).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
    });
  });

  it('a scheme whose accepts throws is invalid_token, with or without a promise', async () => {
    const picky = {
      ...throwing,
      accepts: () => {
        throw new Error('bug in accepts');
      },
    };
    const auth = createAuthenticator({ schemes: [picky] });
    const pending = auth.authenticate(bearer('abc'));
    expect(pending).toBeInstanceOf(Promise);
    const expected = { ...INVALID_TOKEN, code: 'invalid_token' };
    expect(rendered(auth, await pending, 'scheme_error')).toEqual(expected);
    const now = adapterSetup(auth).run(bearer('abc'));
    expect('ok' in now && rendered(auth, now, 'scheme_error')).toEqual(expected);
  });

  it('a request view whose header lookup throws is invalid_request', async () => {
    const auth = createAuthenticator({ schemes: [throwing] });
    const view = {
      method: 'GET',
      url: 'https://api.example/',
      headers: () => {
        throw new Error('broken');
      },
    };
    const result = await auth.authenticate(view);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invalid_request');
  });

  it('a credential no scheme accepts is invalid_token', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    expect(rendered(auth, await auth.authenticate(bearer('opaque-token')), 'no_scheme')).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
    });
  });

  it('onFailure sees every failure with its cause; a throwing hook changes nothing', async () => {
    const seen: AuthError[] = [];
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: key.jwk }))],
      onFailure: (error) => {
        seen.push(error);
        throw new Error('logger down');
      },
    });
    const result = await auth.authenticate(bearer('a.b.c'));
    expect(result.ok).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.cause).toBeDefined();
  });
});

describe('first scheme that accepts verifies', () => {
  const named = (
    name: string,
    accepts: boolean,
  ): Scheme<{ name: string; scopes: Set<string> }> => ({
    name,
    challenge: 'Bearer',
    accepts: () => accepts,
    verify: async (): Promise<AuthResult<{ name: string; scopes: Set<string> }>> => ({
      ok: true,
      principal: { name, scopes: new Set() },
    }),
  });

  it('in order', async () => {
    const auth = createAuthenticator({
      schemes: [named('a', false), named('b', true), named('c', true)],
    });
    const result = await auth.authenticate(
      nodeRequestView({ rawHeaders: ['Authorization', 'Bearer x'] }),
    );
    expect(result.ok && result.principal.name).toBe('b');
    expect(auth.schemes).toEqual(['a', 'b', 'c']);
  });
});

describe('principalToJSON', () => {
  it('leaves claims out and sorts scopes', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const result = await auth.authenticate(
      bearer(await sign(key, userClaims({ scope: 'z a', email: 'x@example.com' }))),
    );
    if (!result.ok) throw result.error;
    expect(principalToJSON(result.principal)).toEqual({
      kind: 'user',
      id: 'user-1',
      scheme: 'jwt',
      scopes: ['a', 'z'],
      clientId: 'web-app',
      issuer: 'https://issuer.example',
      audience: ['https://api.example'],
      expiresAt: new Date((NOW_S + 600) * 1000).toISOString(),
    });
  });
});
