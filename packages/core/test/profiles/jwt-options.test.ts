// The general `jwt()` options the profiles are built on: scope, role and client mappings,
// exact claim values, and the `{ clientIds }` audience rule.
import { jwt } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearer,
  INVALID_TOKEN,
  jwtAuthenticator,
  jwtOptions,
  rendered,
  sign,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';

let key: TestKey;
beforeAll(async () => {
  key = (await testKeys()).ES256;
});

const INVALID = { ...INVALID_TOKEN, code: 'invalid_token' };

async function outcome(token: string, overrides: Parameters<typeof jwtAuthenticator>[0]) {
  const auth = jwtAuthenticator({ keys: key.jwk, ...overrides });
  const result = await auth.authenticate(bearer(token));
  return { auth, result };
}

describe('defaults (unchanged)', () => {
  it('scopes from scope and scp, roles from a roles array, client from client_id/azp', async () => {
    const { result } = await outcome(
      await sign(key, userClaims({ scp: ['extra'], roles: ['admin', 7, ''] })),
      {},
    );
    if (!result.ok) throw result.error;
    expect([...result.principal.scopes]).toEqual(['read:items', 'write:items', 'extra']);
    expect([...result.principal.roles]).toEqual(['admin']);
    expect(result.principal.clientId).toBe('web-app');
  });

  it('no roles claim: an empty, read-only set', async () => {
    const { result } = await outcome(await sign(key), {});
    if (!result.ok) throw result.error;
    expect(result.principal.roles.size).toBe(0);
    expect(() => (result.principal.roles as Set<string>).add('admin')).toThrow(
      /roles are read-only/,
    );
  });
});

describe('scopes, roles and clientId mappings', () => {
  it('read any claim; only non-empty strings are kept; the sets are frozen', async () => {
    const { result } = await outcome(
      await sign(
        key,
        userClaims({ permissions: ['a', 1, '', 'b'], grp: { list: ['ops'] }, cid: 'app-9' }),
      ),
      {
        scopes: (c) => c.permissions as string[],
        roles: (c) => (c.grp as { list: string[] }).list,
        clientId: (c) => c.cid as string,
      },
    );
    if (!result.ok) throw result.error;
    const p = result.principal;
    expect([...p.scopes]).toEqual(['a', 'b']);
    expect([...p.roles]).toEqual(['ops']);
    expect(p.clientId).toBe('app-9');
    expect(Object.isFrozen(p.roles)).toBe(true);
    expect(() => (p.scopes as Set<string>).delete('a')).toThrow(TypeError);
  });

  it('a mapping that returns no iterable gives an empty set; one that throws refuses the token', async () => {
    const empty = await outcome(await sign(key), { scopes: () => 42 as never });
    if (!empty.result.ok) throw empty.result.error;
    expect(empty.result.principal.scopes.size).toBe(0);
    const thrown = await outcome(await sign(key), {
      roles: () => {
        throw new Error('boom');
      },
    });
    expect(rendered(thrown.auth, thrown.result, 'scheme_error')).toEqual(INVALID);
  });

  it('a cached principal keeps what the mapping gave it, frozen', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk, roles: () => ['viewer'] });
    const token = await sign(key);
    const first = await auth.authenticate(bearer(token));
    const second = await auth.authenticate(bearer(token));
    if (!first.ok || !second.ok) throw new Error('expected principals');
    expect(second.principal).toBe(first.principal);
    expect(() => (first.principal.roles as Set<string>).clear()).toThrow(TypeError);
    expect([...second.principal.roles]).toEqual(['viewer']);
  });
});

describe('claimValues', () => {
  it('each named claim must be present with exactly that string', async () => {
    const ok = await outcome(await sign(key, userClaims({ token_use: 'access' })), {
      claimValues: { token_use: 'access' },
    });
    expect(ok.result.ok).toBe(true);
    for (const token_use of ['id', undefined, ['access'], 'Access']) {
      const { auth, result } = await outcome(await sign(key, userClaims({ token_use })), {
        claimValues: { token_use: 'access' },
      });
      expect(rendered(auth, result)).toEqual(INVALID);
    }
  });

  it('refuses a non-string value at construction', () => {
    expect(() => jwt(jwtOptions({ keys: key.jwk, claimValues: { ver: 2 as never } }))).toThrow(
      /claimValues/,
    );
  });
});

describe('audience: { clientIds }', () => {
  const rule = { audience: { clientIds: ['web-app', 'cli'] } };

  it('accepts a token without aud whose client_id is allowed', async () => {
    const { aud: _aud, ...noAud } = userClaims();
    const { result } = await outcome(await sign(key, noAud), rule);
    if (!result.ok) throw result.error;
    expect(result.principal.audience).toEqual([]);
  });

  it('refuses another client_id, a missing one, and an azp standing in for it', async () => {
    const tokens = [
      userClaims({ client_id: 'other' }),
      userClaims({ client_id: undefined }),
      userClaims({ client_id: undefined, azp: 'web-app' }),
    ];
    for (const claims of tokens) {
      const { auth, result } = await outcome(await sign(key, claims), rule);
      expect(rendered(auth, result)).toEqual(INVALID);
    }
  });

  it('is the audience rule: audience strings and clientIds do not mix, and neither may be empty', () => {
    expect(() => jwt(jwtOptions({ keys: key.jwk, audience: { clientIds: [] } }))).toThrow(
      /clientIds/,
    );
    expect(() => jwt(jwtOptions({ keys: key.jwk, audience: { clientIds: [''] } }))).toThrow(
      /clientIds/,
    );
    expect(() => jwt(jwtOptions({ keys: key.jwk, audience: {} as never }))).toThrow(/clientIds/);
    expect(() => jwt(jwtOptions({ keys: key.jwk, audience: undefined as never }))).toThrow(
      /audience/,
    );
    expect(jwt(jwtOptions({ keys: key.jwk, audience: AUDIENCE })).name).toBe('jwt');
  });
});
