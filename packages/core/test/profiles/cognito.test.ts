import { cognito, jwt } from '@authcore/core';
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

// Shapes from "Understanding the access token" (Amazon Cognito): header { kid, alg } only;
// payload sub, cognito:groups, iss, version, client_id, origin_jti, event_id, token_use
// "access", scope, auth_time, exp, iat, jti, username — and no `aud`.
const REGION = 'us-east-1';
const POOL = 'us-east-1_EXAMPLE';
const ISS = `https://cognito-idp.${REGION}.amazonaws.com/${POOL}`;
const CLIENT = '1example23456789';
const KID = '1234example=';
let provider: Provider;

const header = { kid: KID, alg: 'RS256' };
const access = (extra: Record<string, unknown> = {}) => ({
  sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
  'cognito:groups': ['admin'],
  iss: ISS,
  version: 2,
  client_id: CLIENT,
  origin_jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  event_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  token_use: 'access',
  scope: 'phone openid profile resourceserver.1/appclient2 email',
  auth_time: NOW_S - 10,
  exp: NOW_S + 3600,
  iat: NOW_S - 10,
  jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  username: 'my-test-user',
  ...extra,
});
// Its ID token: aud is the app client, token_use "id", no client_id.
const idToken = () => {
  const { client_id: _c, scope: _s, ...rest } = access({ token_use: 'id', aud: CLIENT });
  return { ...rest, email: 'user@example.com', 'cognito:username': 'my-test-user' };
};

beforeAll(async () => {
  provider = await startProvider(`https://cognito-idp.${REGION}.amazonaws.com`, KID, (jwks) => ({
    [`/${POOL}/.well-known/jwks.json`]: jwks,
  }));
});
afterAll(() => provider.close());

describe('cognito()', () => {
  it('sets the pool issuer, its JWKS, RS256, no typ, client_id and token_use access', () => {
    expect(cognito({ region: REGION, userPoolId: POOL, clientId: CLIENT })).toMatchObject({
      issuer: ISS,
      audience: { clientIds: [CLIENT] },
      algorithms: ['RS256'],
      jwksUri: `${ISS}/.well-known/jwks.json`,
      typ: false,
      claimValues: { token_use: 'access' },
    });
  });

  it('accepts an access token with no aud: scopes from scope, groups as roles', async () => {
    const auth = profileAuthenticator(
      cognito({ region: REGION, userPoolId: POOL, clientId: CLIENT }),
      provider,
    );
    const token = await mint(provider.key, header, access());
    const p = await accepted(auth, token, { require: { scopes: 'resourceserver.1/appclient2' } });
    expect(p).toMatchObject({ kind: 'user', clientId: CLIENT, issuer: ISS, audience: [] });
    expect([...p.roles]).toEqual(['admin']);
    expect(provider.fetched).toContain(`${ISS}/.well-known/jwks.json`);
    expect(
      await refused(auth, token, {
        reason: 'scope_missing',
        require: { scopes: 'resourceserver.1/write' },
      }),
    ).toMatchObject(insufficientScope('resourceserver.1/write'));
  });

  it('a client credentials token (sub = client_id) is a service', async () => {
    const auth = profileAuthenticator(
      cognito({ region: REGION, userPoolId: POOL, clientId: [CLIENT, 'm2m-client'] }),
      provider,
    );
    const token = await mint(
      provider.key,
      header,
      access({
        sub: 'm2m-client',
        client_id: 'm2m-client',
        username: undefined,
        'cognito:groups': undefined,
      }),
    );
    expect(await accepted(auth, token)).toMatchObject({ kind: 'service', id: 'm2m-client' });
  });

  it('refuses an ID token posing as an access token', async () => {
    const auth = profileAuthenticator(
      cognito({ region: REGION, userPoolId: POOL, clientId: CLIENT }),
      provider,
    );
    const id = await mint(provider.key, header, idToken());
    expect(await refused(auth, id, { reason: 'claim_missing' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ claim: 'client_id' }),
    });
    // Even one that also carries our client_id: token_use decides.
    const posing = await mint(provider.key, header, { ...idToken(), client_id: CLIENT });
    expect(await refused(auth, posing, { reason: 'claim_invalid' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ message: 'token_use is not access' }),
    });
  });

  it('refuses an access token for another app client, and another pool', async () => {
    const auth = profileAuthenticator(
      cognito({ region: REGION, userPoolId: POOL, clientId: CLIENT }),
      provider,
    );
    const other = await mint(provider.key, header, access({ client_id: '9other8765432100' }));
    expect(await refused(auth, other, { reason: 'audience_mismatch' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ message: 'client_id is not an allowed client' }),
    });
    const pool = await mint(
      provider.key,
      header,
      access({ iss: `https://cognito-idp.${REGION}.amazonaws.com/us-east-1_OTHER` }),
    );
    expect(await refused(auth, pool, { reason: 'issuer_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'iss' },
    });
  });

  it('refuses a pool of another region, a bad region and no client', () => {
    expect(() =>
      cognito({ region: REGION, userPoolId: 'eu-west-1_EXAMPLE', clientId: CLIENT }),
    ).toThrow(/userPoolId/);
    expect(() => cognito({ region: 'moon', userPoolId: POOL, clientId: CLIENT })).toThrow(/region/);
    for (const clientId of ['', [], ['']])
      expect(() => cognito({ region: REGION, userPoolId: POOL, clientId })).toThrow(/clientId/);
    // Overriding the rule with an empty allowlist is refused by jwt() itself.
    expect(() =>
      jwt({
        ...cognito({ region: REGION, userPoolId: POOL, clientId: CLIENT }),
        audience: { clientIds: [] },
      }),
    ).toThrow(/clientIds/);
  });
});
