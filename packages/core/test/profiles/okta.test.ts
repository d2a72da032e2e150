import { okta } from '@authcore/core';
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

// Shapes from Okta's "Validate access tokens" and token reference: header { kid, alg } (no typ),
// claims ver, jti "AT.…", cid, uid, an scp array, aud api://default.
const ORIGIN = 'https://dev-133337.okta.com';
const ISS = `${ORIGIN}/oauth2/default`;
const AUD = 'api://default';
const KID = 'ZkvelLN_seik7w4pc_prCcfUf-h2hFfiwkDeCrs0iUc';
let provider: Provider;

const header = { kid: KID, alg: 'RS256' };
const claims = (extra: Record<string, unknown> = {}) => ({
  ver: 1,
  jti: 'AT.MNAoEQ_jbKqoinrQo1D0XKjMX28U5d7ZszBceot7-Ts',
  iss: ISS,
  aud: AUD,
  sub: 'alice@example.com',
  iat: NOW_S - 5,
  exp: NOW_S + 3600,
  cid: '0oa1b2c3d4EXAMPLE',
  uid: '00u1a2b3c4EXAMPLE',
  scp: ['openid', 'profile', 'orders:read'],
  auth_time: NOW_S - 60,
  ...extra,
});

beforeAll(async () => {
  provider = await startProvider(ORIGIN, KID, (jwks) => ({
    // Okta serves metadata under the authorization server's path (the OpenID form).
    '/oauth2/default/.well-known/openid-configuration': {
      issuer: ISS,
      jwks_uri: `${ISS}/v1/keys`,
    },
    '/oauth2/default/v1/keys': jwks,
  }));
});
afterAll(() => provider.close());

describe('okta()', () => {
  it('sets the custom authorization server, discovery, RS256, no typ, the audience', () => {
    expect(okta({ issuer: ISS, audience: AUD })).toMatchObject({
      issuer: ISS,
      audience: AUD,
      algorithms: ['RS256'],
      discovery: true,
      typ: false,
      requiredClaims: ['cid'],
    });
  });

  it('accepts a user token: keys by discovery, scopes from the scp array, client from cid', async () => {
    const auth = profileAuthenticator(okta({ issuer: ISS, audience: AUD }), provider);
    const p = await accepted(auth, await mint(provider.key, header, claims()), {
      require: { scopes: 'orders:read' },
    });
    expect(p).toMatchObject({
      kind: 'user',
      id: 'alice@example.com',
      clientId: '0oa1b2c3d4EXAMPLE',
      issuer: ISS,
      audience: [AUD],
    });
    expect([...p.scopes]).toEqual(['openid', 'profile', 'orders:read']);
    expect(provider.fetched).toContain(`${ISS}/.well-known/openid-configuration`);
    expect(provider.fetched.at(-1)).toBe(`${ISS}/v1/keys`);
  });

  it('a missing scp scope is insufficient_scope; groups are roles', async () => {
    const auth = profileAuthenticator(okta({ issuer: ISS, audience: AUD }), provider);
    const token = await mint(provider.key, header, claims({ groups: ['Everyone', 'Admins'] }));
    expect(
      await refused(auth, token, { reason: 'scope_missing', require: { scopes: 'orders:write' } }),
    ).toMatchObject(insufficientScope('orders:write'));
    const p = await accepted(auth, token);
    expect([...p.roles]).toEqual(['Everyone', 'Admins']);
    expect(() => (p.roles as Set<string>).add('root')).toThrow(TypeError);
  });

  it('a client credentials token (no uid, sub = cid) is a service', async () => {
    const auth = profileAuthenticator(okta({ issuer: ISS, audience: AUD }), provider);
    const token = await mint(
      provider.key,
      header,
      claims({ uid: undefined, sub: '0oa1b2c3d4EXAMPLE', scp: ['orders:read'] }),
    );
    expect(await accepted(auth, token)).toMatchObject({ kind: 'service', id: '0oa1b2c3d4EXAMPLE' });
  });

  it('refuses a token for another audience', async () => {
    const auth = profileAuthenticator(okta({ issuer: ISS, audience: AUD }), provider);
    const token = await mint(provider.key, header, claims({ aud: 'api://payments' }));
    expect(await refused(auth, token, { reason: 'audience_mismatch' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ claim: 'aud' }),
    });
  });

  it('refuses an ID token (no cid) even with the API audience, and another authorization server', async () => {
    const auth = profileAuthenticator(okta({ issuer: ISS, audience: AUD }), provider);
    const id = await mint(provider.key, header, claims({ cid: undefined, jti: 'ID.abc' }));
    expect(await refused(auth, id, { reason: 'claim_missing' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'cid' },
    });
    const other = await mint(provider.key, header, claims({ iss: `${ORIGIN}/oauth2/aus9other` }));
    expect(await refused(auth, other, { reason: 'issuer_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'iss' },
    });
  });

  it('refuses the org authorization server and malformed issuers', () => {
    for (const issuer of [
      ORIGIN,
      `${ORIGIN}/`,
      `${ISS}/`,
      'http://dev-133337.okta.com/oauth2/default',
      `${ORIGIN}/oauth2/default/v1`,
      'not a url',
    ])
      expect(() => okta({ issuer, audience: AUD })).toThrow(TypeError);
    expect(() => okta({ issuer: ISS, audience: '' })).toThrow(/audience/);
  });
});
