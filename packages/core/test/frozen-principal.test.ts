import {
  type AnyPrincipal,
  type Authenticator,
  apiKey,
  createAuthenticator,
  generateApiKey,
  MemoryApiKeyStore,
  type RequestView,
} from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withHeaders } from './apikey/helpers.js';
import {
  bearer,
  jwtAuthenticator,
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

const forbidden = (scheme: 'Bearer' | 'ApiKey', scope: string) => {
  const what = scheme === 'ApiKey' ? 'The API key' : 'The access token';
  return {
    status: 403,
    code: 'insufficient_scope',
    wwwAuthenticate: `${scheme} realm="api", error="insufficient_scope", error_description="${what} does not have the required scope", scope="${scope}"`,
    body: `{"error":"insufficient_scope","error_description":"${what} does not have the required scope"}`,
  };
};

async function principalOf<P>(auth: Authenticator<P>, view: RequestView): Promise<P> {
  const result = await auth.authenticate(view);
  if (!result.ok) throw result.error;
  return result.principal;
}

/** Everything a handler could try on the principal it was given; each attempt must throw. */
function tamper(principal: AnyPrincipal) {
  const p = principal as unknown as Record<string, unknown>;
  const scopes = principal.scopes as Set<string>;
  const claims = principal.claims as unknown as Record<string, unknown>;
  const attempts: Array<[string, () => unknown]> = [
    ['scopes.add', () => scopes.add('admin')],
    ['scopes.delete', () => scopes.delete('orders:read')],
    ['scopes.clear', () => scopes.clear()],
    ['replace scopes', () => (p.scopes = new Set(['admin']))],
    ['change id', () => (p.id = 'admin')],
    ['change kind', () => (p.kind = 'user')],
    ['push audience', () => (principal.audience as string[]).push('https://other.example')],
    ['edit a claim', () => (claims.scope = 'admin')],
    ['add a claim', () => (claims.admin = true)],
    ['expiresAt.setTime', () => principal.expiresAt?.setTime(Date.UTC(9000, 0))],
    ['expiresAt.setFullYear', () => principal.expiresAt?.setFullYear(9000)],
  ];
  if (principal.scheme === 'apiKey') {
    attempts.push([
      'edit metadata',
      () => ((principal.claims.metadata as Record<string, string>).plan = 'enterprise'),
    ]);
  }
  if (principal.scheme === 'jwt') {
    attempts.push([
      'edit a nested claim',
      () => (principal.claims.roles as string[]).push('admin'),
    ]);
  }
  // Every attempt throws (ES modules are strict: writes to frozen objects are TypeErrors).
  return attempts.filter(([, attempt]) => {
    try {
      attempt();
      return true;
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      return false;
    }
  });
}

describe('principals handed out by a cache cannot be changed', () => {
  it('JWT: a handler that edits its principal changes nothing for the next request', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const token = await sign(key, userClaims({ scope: 'orders:read', roles: ['reader'] }));
    const first = await principalOf(auth, bearer(token));
    expect(Object.isFrozen(first)).toBe(true);
    expect(tamper(first).map(([name]) => name)).toEqual([]);

    // The same token again: a cache hit, with what the token says and nothing more.
    const again = await principalOf(auth, bearer(token));
    expect([...again.scopes]).toEqual(['orders:read']);
    expect(again.scopes).toEqual(new Set(['orders:read']));
    expect(again.scopes.has('admin')).toBe(false);
    expect(again.id).toBe('user-1');
    expect(again.audience).toEqual(['https://api.example']);
    expect(again.claims.scope).toBe('orders:read');
    expect(again.claims.roles).toEqual(['reader']);
    expect('admin' in again.claims).toBe(false);
    expect(again.expiresAt).toEqual(new Date((NOW_S + 600) * 1000));
    const denied = await auth.authenticate(bearer(token), { require: { scopes: 'admin' } });
    expect(rendered(auth, denied, 'scope_missing')).toEqual(forbidden('Bearer', 'admin'));
  });

  it('JWT with a claims schema: its output is frozen too', async () => {
    const { z } = await import('zod');
    const claims = z.object({ sub: z.string(), roles: z.array(z.string()) });
    const auth = jwtAuthenticator({ keys: key.jwk, claims } as never);
    const token = await sign(key, userClaims({ roles: ['reader'] }));
    const first = (await principalOf(auth, bearer(token))) as unknown as {
      claims: { roles: string[] };
    };
    expect(() => first.claims.roles.push('admin')).toThrow(TypeError);
    const again = (await principalOf(auth, bearer(token))) as unknown as typeof first;
    expect(again.claims.roles).toEqual(['reader']);
  });

  it('API key: a handler that edits its principal changes nothing for the next request', async () => {
    const store = new MemoryApiKeyStore();
    const generated = await generateApiKey({
      prefix: 'sk_live',
      owner: 'acme',
      scopes: ['orders:read'],
      metadata: { plan: 'pro' },
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    await store.create(generated.record);
    const auth = createAuthenticator({ schemes: [apiKey({ store })] });
    const view = () => withHeaders({ 'x-api-key': generated.key });
    const first = await principalOf(auth, view());
    expect(Object.isFrozen(first)).toBe(true);
    expect(tamper(first).map(([name]) => name)).toEqual([]);

    const again = await principalOf(auth, view());
    expect(again).toBe(first); // the memo hands out the same object: so it must be frozen
    expect([...again.scopes]).toEqual(['orders:read']);
    expect(again.claims).toEqual({
      keyId: generated.record.id,
      owner: 'acme',
      prefix: 'sk_live',
      metadata: { plan: 'pro' },
    });
    expect(again.expiresAt?.getTime()).toBe(generated.record.expiresAt);
    const denied = await auth.authenticate(view(), { require: { scopes: 'admin' } });
    expect(rendered(auth, denied, 'scope_missing')).toEqual(forbidden('ApiKey', 'admin'));
  });
});
