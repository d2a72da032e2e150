import { fetchRequestView } from '@authcore/core';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, authenticator, REDIRECT, type Served, serve } from './helpers.js';

// An independent, spec-strict client (by the author of jose) drives the served issuer.
let served: Served;
let as: oauth.AuthorizationServer;
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  served = await serve();
  const issuer = new URL(served.url);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
});
afterAll(() => served.close());

async function verified(token: string) {
  const auth = authenticator(served);
  const result = await auth.authenticate(
    fetchRequestView(
      new Request('http://api.test/', { headers: { authorization: `Bearer ${token}` } }),
    ),
  );
  if (!result.ok) throw result.error;
  return result.principal;
}

describe('oauth4webapi against the served issuer', () => {
  it('discovers RFC 8414 metadata', () => {
    expect(as).toMatchObject({
      issuer: served.url,
      authorization_endpoint: `${served.url}/authorize`,
      token_endpoint: `${served.url}/token`,
      jwks_uri: `${served.url}/jwks`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('client credentials, client_secret_basic', async () => {
    const client: oauth.Client = { client_id: 'service' };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('service-secret-0123456789abcdef'),
      { scope: 'read write', resource: AUDIENCE },
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result).toMatchObject({ token_type: 'bearer', expires_in: 600, scope: 'read write' });
    const principal = await verified(result.access_token);
    expect(principal).toMatchObject({ kind: 'service', id: 'service', clientId: 'service' });
    expect([...principal.scopes]).toEqual(['read', 'write']);
  });

  it('authorization code with PKCE, then refresh, introspection and revocation', async () => {
    const client: oauth.Client = { client_id: 'webapp' };
    const auth = oauth.ClientSecretPost('webapp-secret-0123456789abcdef');
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'read admin',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const authorized = await fetch(url, {
      redirect: 'manual',
      headers: { 'x-test-user': 'alice' },
    });
    expect(authorized.status).toBe(302);
    const params = oauth.validateAuthResponse(
      as,
      client,
      new URL(authorized.headers.get('location')!),
      state,
    );

    const tokenResponse = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      REDIRECT,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, tokenResponse);
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      scope: 'read admin',
      refresh_token: expect.any(String),
    });
    expect(await verified(tokens.access_token)).toMatchObject({
      kind: 'user',
      id: 'alice',
      clientId: 'webapp',
    });

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await verified(refreshed.access_token)).toMatchObject({ kind: 'user', id: 'alice' });

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure),
    );
    expect(introspection).toMatchObject({
      active: true,
      sub: 'alice',
      client_id: 'webapp',
      scope: 'read admin',
    });

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, refreshed.refresh_token!, insecure),
    );
    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure),
    );
    expect(after).toEqual({ active: false });
    await expect(
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, refreshed.refresh_token!, insecure),
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a public client: authorization code with PKCE and refresh', async () => {
    const client: oauth.Client = { client_id: 'spa', token_endpoint_auth_method: 'none' };
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const authorized = await fetch(url, { redirect: 'manual', headers: { 'x-test-user': 'bob' } });
    const params = oauth.validateAuthResponse(
      as,
      client,
      new URL(authorized.headers.get('location')!),
      oauth.expectNoState,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        REDIRECT,
        verifier,
        insecure,
      ),
    );
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.None(),
        tokens.refresh_token!,
        insecure,
      ),
    );
    expect(await verified(refreshed.access_token)).toMatchObject({
      kind: 'user',
      id: 'bob',
      clientId: 'spa',
    });
  });

  it('surfaces an authorization error response through validateAuthResponse', async () => {
    const client: oauth.Client = { client_id: 'webapp' };
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: 'webapp',
      redirect_uri: REDIRECT,
      response_type: 'code',
      state: 's',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const denied = await fetch(url, { redirect: 'manual', headers: { 'x-test-user': 'deny' } });
    expect(() =>
      oauth.validateAuthResponse(as, client, new URL(denied.headers.get('location')!), 's'),
    ).toThrow(expect.objectContaining({ error: 'access_denied' }));
  });
});
