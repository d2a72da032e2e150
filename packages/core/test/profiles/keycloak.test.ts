import { keycloak } from '@authcore/core';
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

// Shapes from a Keycloak access token: header { alg: RS256, typ: JWT, kid }, payload typ
// "Bearer", azp, realm_access.roles, resource_access.{client}.roles, a scope string, sid.
const ORIGIN = 'https://sso.example.com';
const ISS = `${ORIGIN}/realms/acme`;
const AUD = 'orders-api';
const KID = 'FJ86GcF3jTbNLOco4NvZkUCIUmfYCqoqtOQeMfbhNlE';
let provider: Provider;

const header = { alg: 'RS256', typ: 'JWT', kid: KID };
const claims = (extra: Record<string, unknown> = {}) => ({
  exp: NOW_S + 300,
  iat: NOW_S,
  auth_time: NOW_S - 30,
  jti: 'onrtac:5f0a4c1e-94e7-4d2a-9a4f-0ed3b9a5f2c1',
  iss: ISS,
  aud: [AUD, 'account'],
  sub: 'f1b4c1a6-43a5-4d1b-8c50-26e7d0c3c1a2',
  typ: 'Bearer',
  azp: 'web-app',
  sid: '7c2f5b7e-0a7d-4bb0-9b5e-4a2b7f3b0f11',
  acr: '1',
  realm_access: { roles: ['offline_access', 'default-roles-acme', 'admin'] },
  resource_access: {
    'orders-api': { roles: ['orders:approve'] },
    account: { roles: ['manage-account', 'view-profile'] },
  },
  scope: 'openid profile email orders.read',
  email_verified: true,
  preferred_username: 'alice',
  ...extra,
});

beforeAll(async () => {
  provider = await startProvider(ORIGIN, KID, (jwks) => ({
    '/realms/acme/.well-known/openid-configuration': {
      issuer: ISS,
      jwks_uri: `${ISS}/protocol/openid-connect/certs`,
    },
    '/realms/acme/protocol/openid-connect/certs': jwks,
  }));
});
afterAll(() => provider.close());

describe('keycloak()', () => {
  it('sets the realm issuer, discovery, RS256, typ JWT, typ Bearer and the audience', () => {
    expect(keycloak({ url: `${ORIGIN}/`, realm: 'acme', audience: AUD })).toMatchObject({
      issuer: ISS,
      audience: AUD,
      algorithms: ['RS256'],
      discovery: true,
      typ: 'JWT',
      claimValues: { typ: 'Bearer' },
    });
    expect(keycloak({ url: `${ORIGIN}/auth`, realm: 'acme', audience: AUD }).issuer).toBe(
      `${ORIGIN}/auth/realms/acme`,
    );
  });

  it('accepts an access token: keys by discovery, realm and client roles, scopes', async () => {
    const auth = profileAuthenticator(
      keycloak({ url: ORIGIN, realm: 'acme', audience: AUD }),
      provider,
    );
    const p = await accepted(auth, await mint(provider.key, header, claims()), {
      require: { scopes: 'orders.read' },
    });
    expect(p).toMatchObject({ kind: 'user', clientId: 'web-app', issuer: ISS, acr: '1' });
    expect([...p.roles]).toEqual([
      'offline_access',
      'default-roles-acme',
      'admin',
      'orders-api:orders:approve',
      'account:manage-account',
      'account:view-profile',
    ]);
    expect(provider.fetched).toContain(`${ISS}/.well-known/openid-configuration`);
    expect(provider.fetched.at(-1)).toBe(`${ISS}/protocol/openid-connect/certs`);
    const token = await mint(provider.key, header, claims());
    expect(
      await refused(auth, token, { reason: 'scope_missing', require: { scopes: 'orders.write' } }),
    ).toMatchObject(insufficientScope('orders.write'));
  });

  it('a service account token (client_id claim) is a service', async () => {
    const auth = profileAuthenticator(
      keycloak({ url: ORIGIN, realm: 'acme', audience: AUD }),
      provider,
    );
    const token = await mint(
      provider.key,
      header,
      claims({ client_id: 'batch', azp: 'batch', preferred_username: 'service-account-batch' }),
    );
    expect(await accepted(auth, token)).toMatchObject({ kind: 'service', clientId: 'batch' });
  });

  it('refuses a token from another realm', async () => {
    const auth = profileAuthenticator(
      keycloak({ url: ORIGIN, realm: 'acme', audience: AUD }),
      provider,
    );
    const token = await mint(provider.key, header, claims({ iss: `${ORIGIN}/realms/master` }));
    expect(await refused(auth, token, { reason: 'issuer_mismatch' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ claim: 'iss' }),
    });
  });

  it('refuses an ID token (payload typ ID) and a token only for `account`', async () => {
    const auth = profileAuthenticator(
      keycloak({ url: ORIGIN, realm: 'acme', audience: AUD }),
      provider,
    );
    const id = await mint(provider.key, header, claims({ typ: 'ID', aud: AUD }));
    expect(await refused(auth, id, { reason: 'claim_invalid' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { message: 'typ is not Bearer' },
    });
    const account = await mint(provider.key, header, claims({ aud: 'account' }));
    expect(await refused(auth, account, { reason: 'audience_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'aud' },
    });
  });

  it('refuses an http URL off loopback, and a missing realm or audience', () => {
    expect(() => keycloak({ url: 'http://sso.example.com', realm: 'acme', audience: AUD })).toThrow(
      /https/,
    );
    expect(keycloak({ url: 'http://127.0.0.1:8080', realm: 'acme', audience: AUD }).issuer).toBe(
      'http://127.0.0.1:8080/realms/acme',
    );
    expect(() => keycloak({ url: ORIGIN, realm: '', audience: AUD })).toThrow(/realm/);
    expect(() => keycloak({ url: ORIGIN, realm: 'acme' } as never)).toThrow(/audience/);
  });
});
