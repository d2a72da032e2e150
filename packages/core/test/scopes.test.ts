import {
  AuthError,
  authorize,
  createAuthenticator,
  jwt,
  parseScopes,
  scopeRequirement,
} from '@authcore/core';
import { adapterSetup } from '@authcore/core/adapter';
import { describe, expect, it } from 'vitest';
import {
  bearer,
  INVALID_TOKEN,
  jwtOptions,
  rendered,
  sign,
  testKeys,
  userClaims,
} from './fixtures.js';

const principal = (scopes: string[], claims: Record<string, unknown> = {}) => ({
  scopes: new Set(scopes),
  claims,
});

describe('parseScopes', () => {
  it('reads a space-delimited scope string and an scp array or string', () => {
    expect([...parseScopes('a  b c')]).toEqual(['a', 'b', 'c']);
    expect([...parseScopes(undefined, ['x', 'y', 3, ''])]).toEqual(['x', 'y']);
    expect([...parseScopes('a', 'b c')]).toEqual(['a', 'b', 'c']);
    expect([...parseScopes(42, { 0: 'a' })]).toEqual([]);
  });
});

describe('authorize', () => {
  it('all-of (list), passes only with every scope', () => {
    expect(authorize(principal(['a', 'b', 'c']), { scopes: ['a', 'b'] })).toBeUndefined();
    const denied = authorize(principal(['a']), { scopes: ['a', 'b'] });
    expect(denied).toBeInstanceOf(AuthError);
    expect(denied?.code).toBe('insufficient_scope');
    expect(denied?.status).toBe(403);
    expect(denied?.scopes).toEqual(['a', 'b']);
    expect(denied?.reason).toBe('scope_missing');
  });

  it('all-of (space-delimited string form)', () => {
    expect(authorize(principal(['a', 'b']), { scopes: 'a b' })).toBeUndefined();
    expect(authorize(principal(['a']), { scopes: 'a  b' })?.scopes).toEqual(['a', 'b']);
  });

  it('any-of', () => {
    expect(authorize(principal(['b']), { scopes: { anyOf: ['a', 'b'] } })).toBeUndefined();
    expect(authorize(principal(['c']), { scopes: { anyOf: ['a', 'b'] } })?.scopes).toEqual([
      'a',
      'b',
    ]);
  });

  it('a claim predicate: false and throwing are both insufficient_scope', () => {
    const p = principal([], { tenant: 't1' });
    expect(authorize(p, { check: (x) => x.claims.tenant === 't1' })).toBeUndefined();
    expect(authorize(p, { check: (x) => x.claims.tenant === 't2' })?.code).toBe(
      'insufficient_scope',
    );
    const thrown = authorize(p, {
      check: () => {
        throw new Error('boom');
      },
    });
    expect(thrown?.code).toBe('insufficient_scope');
    expect(thrown?.cause).toEqual(new Error('boom'));
    expect(thrown?.reason).toBe('check_failed');
    expect(authorize(p, { check: () => false })?.reason).toBe('check_failed');
    // Only `true` passes: a truthy non-boolean is a refusal.
    expect(authorize(p, { check: () => 1 as unknown as boolean })?.code).toBe('insufficient_scope');
  });

  it('scopeRequirement builds a reusable requirement', () => {
    expect(scopeRequirement('a b')).toEqual({ scopes: 'a b' });
    expect(authorize(principal(['a']), scopeRequirement({ anyOf: ['a'] }))).toBeUndefined();
  });
});

describe('audience per resource (RFC 8707)', () => {
  it('one authenticator serves two resources; a token for one is invalid_token at the other', async () => {
    const { ES256 } = await testKeys();
    const auth = createAuthenticator({
      schemes: [
        jwt(
          jwtOptions({
            keys: [ES256.jwk],
            audience: ['https://orders.example', 'https://billing.example'],
          }),
        ),
      ],
    });
    const forOrders = bearer(await sign(ES256, userClaims({ aud: 'https://orders.example' })));
    expect(
      (await auth.authenticate(forOrders, { require: { audience: 'https://orders.example' } })).ok,
    ).toBe(true);
    const refused = await auth.authenticate(forOrders, {
      require: { audience: 'https://billing.example' },
    });
    expect(rendered(auth, refused, 'audience_mismatch')).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
    });
    expect(adapterSetup(auth, { audience: 'https://billing.example' }).authenticateOptions).toEqual(
      {
        optional: false,
        require: { audience: 'https://billing.example' },
      },
    );
  });
});
