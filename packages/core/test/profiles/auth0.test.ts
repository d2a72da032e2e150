import { auth0, jwt } from '@authcore/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accepted,
  INVALID_TOKEN,
  insufficientScope,
  mint,
  NOW_S,
  type Provider,
  profileAuthenticator,
  refused,
  startProvider,
} from './provider.js';

// Shapes from Auth0's "Access Token Profiles" page: the Auth0 profile (header typ JWT, client in
// azp, gty for machine-to-machine) and the RFC 9068 profile (typ at+jwt, client_id, jti).
const DOMAIN = 'my-tenant.us.auth0.com';
const ISS = `https://${DOMAIN}/`;
const API = 'https://example.com/health-api';
const KID = 'QzE4N0YzNzA2RTQ3M0E2QTYzQzc0NDQ1ODBFQkZFRDE2QkEwQTc5RA';
let provider: Provider;

const header = { alg: 'RS256', typ: 'JWT', kid: KID };
const userClaims = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  sub: 'auth0|123456',
  aud: [API, `https://${DOMAIN}/userinfo`],
  azp: 'my_client_id',
  iat: NOW_S - 10,
  exp: NOW_S + 86_400,
  scope: 'openid profile read:patients',
  ...extra,
});

beforeAll(async () => {
  provider = await startProvider(`https://${DOMAIN}`, KID, (jwks) => ({
    '/.well-known/jwks.json': jwks,
  }));
});
afterAll(() => provider.close());

describe('auth0()', () => {
  it('sets the issuer, the documented JWKS, RS256, typ JWT and the audience', () => {
    const profile = auth0({ domain: DOMAIN, audience: API });
    expect(profile).toMatchObject({
      issuer: ISS,
      audience: API,
      algorithms: ['RS256'],
      jwksUri: `https://${DOMAIN}/.well-known/jwks.json`,
      typ: 'JWT',
    });
    expect(auth0({ domain: DOMAIN, audience: API, tokenProfile: 'rfc9068' }).typ).toBe('at+jwt');
  });

  it('accepts a user token of the Auth0 profile, fetching the keys from /.well-known/jwks.json', async () => {
    const auth = profileAuthenticator(auth0({ domain: DOMAIN, audience: API }), provider);
    const p = await accepted(auth, await mint(provider.key, header, userClaims()));
    expect(p).toMatchObject({
      kind: 'user',
      id: 'auth0|123456',
      clientId: 'my_client_id',
      issuer: ISS,
    });
    expect([...p.scopes]).toEqual(['openid', 'profile', 'read:patients']);
    expect(provider.fetched).toContain(`https://${DOMAIN}/.well-known/jwks.json`);
  });

  it('RBAC: `permissions` are scopes that `require.scopes` checks', async () => {
    const auth = profileAuthenticator(auth0({ domain: DOMAIN, audience: API }), provider);
    const token = await mint(
      provider.key,
      header,
      userClaims({ scope: 'openid', permissions: ['read:patients', 'read:admin'] }),
    );
    const p = await accepted(auth, token, { require: { scopes: ['read:admin'] } });
    expect([...p.scopes].sort()).toEqual(['openid', 'read:admin', 'read:patients']);
    expect(
      await refused(auth, token, {
        reason: 'scope_missing',
        require: { scopes: 'write:patients' },
      }),
    ).toMatchObject(insufficientScope('write:patients'));
  });

  it('a machine-to-machine token (gty client-credentials, sub …@clients) is a service', async () => {
    const auth = profileAuthenticator(auth0({ domain: DOMAIN, audience: API }), provider);
    const token = await mint(provider.key, header, {
      iss: ISS,
      sub: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja@clients',
      aud: API,
      azp: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
      iat: NOW_S,
      exp: NOW_S + 86_400,
      scope: 'read:patients',
      gty: 'client-credentials',
    });
    const p = await accepted(auth, token, { require: { scopes: 'read:patients' } });
    expect(p).toMatchObject({ kind: 'service', clientId: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja' });
  });

  it('the RFC 9068 profile: typ at+jwt, client_id; a service without gty', async () => {
    const auth = profileAuthenticator(
      auth0({ domain: DOMAIN, audience: API, tokenProfile: 'rfc9068' }),
      provider,
    );
    const claims = {
      iss: ISS,
      sub: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja@clients',
      aud: API,
      client_id: 'K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja',
      iat: NOW_S,
      exp: NOW_S + 86_400,
      jti: '73WakrfVbNJBaAmhQtEeDv',
      scope: 'read:patients',
    };
    const token = await mint(provider.key, { ...header, typ: 'at+jwt' }, claims);
    expect(await accepted(auth, token)).toMatchObject({ kind: 'service' });
    // The header of the other profile is refused: each API issues one kind.
    expect(
      await refused(auth, await mint(provider.key, header, claims), { reason: 'typ_mismatch' }),
    ).toMatchObject({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: { claim: 'typ' },
    });
  });

  it('refuses a token without the audience (an ID token, or a token for /userinfo only)', async () => {
    const auth = profileAuthenticator(auth0({ domain: DOMAIN, audience: API }), provider);
    for (const aud of [undefined, `https://${DOMAIN}/userinfo`, 'my_client_id']) {
      const token = await mint(provider.key, header, userClaims({ aud }));
      expect(await refused(auth, token)).toEqual({
        ...INVALID_TOKEN,
        code: 'invalid_token',
        reason: expect.objectContaining({ claim: 'aud' }),
      });
    }
  });

  it('refuses another tenant and an HS256 token', async () => {
    const auth = profileAuthenticator(auth0({ domain: DOMAIN, audience: API }), provider);
    const other = await mint(provider.key, header, userClaims({ iss: 'https://evil.auth0.com/' }));
    expect(await refused(auth, other, { reason: 'issuer_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'iss' },
    });
    const hs256 = await new SignJWT(userClaims())
      .setProtectedHeader({ ...header, alg: 'HS256' })
      .sign(new TextEncoder().encode('a'.repeat(32)));
    expect(await refused(auth, hs256, { reason: 'alg_not_allowed' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
    });
  });

  it('refuses a domain that is not a bare host, and a missing audience', () => {
    for (const domain of ['https://my-tenant.auth0.com', 'my-tenant.auth0.com/x', 'a@b.com', ''])
      expect(() => auth0({ domain, audience: API })).toThrow(TypeError);
    expect(() => auth0({ domain: DOMAIN } as never)).toThrow(/audience/);
    expect(() => jwt({ ...auth0({ domain: DOMAIN, audience: API }), audience: [] })).toThrow(
      /audience/,
    );
  });
});
