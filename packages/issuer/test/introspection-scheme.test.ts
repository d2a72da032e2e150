import { createAuthenticator, fetchRequestView, introspection } from '@authcore/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, SERVICE, type Served, serve } from './helpers.js';

// The core's RFC 7662 scheme against this issuer's own /introspect.
let served: Served;
beforeAll(async () => {
  served = await serve();
});
afterAll(() => served.close());

const bearer = (token: string) =>
  fetchRequestView(
    new Request('http://api.test/', { headers: { authorization: `Bearer ${token}` } }),
  );

const auth = () =>
  createAuthenticator({
    schemes: [
      introspection({
        endpoint: `${served.url}/introspect`,
        clientId: 'service',
        clientSecret: 'service-secret-0123456789abcdef',
        issuer: served.url,
        audience: 'https://api.example.test',
        now: () => served.clock.t,
        cache: false,
      }),
    ],
  });

async function token(): Promise<string> {
  const res = await post(
    `${served.url}/token`,
    { grant_type: 'client_credentials', scope: 'read' },
    { authorization: SERVICE },
  );
  return res.body?.access_token as string;
}

describe('introspection scheme against the issuer', () => {
  it('an active token becomes a service principal with its scopes', async () => {
    const result = await auth().authenticate(bearer(await token()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toMatchObject({
      scheme: 'opaque',
      kind: 'service',
      id: 'service',
      clientId: 'service',
    });
    expect([...result.principal.scopes]).toEqual(['read']);
  });

  it('a revoked token is invalid_token', async () => {
    const t = await token();
    const revoke = await post(`${served.url}/revoke`, { token: t }, { authorization: SERVICE });
    expect(revoke.status).toBe(200);
    const a = auth();
    const result = await a.authenticate(bearer(t));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(a.render(result.error).headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    );
  });

  it('a DPoP-bound token sent as Bearer is invalid_token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({
      htm: 'POST',
      htu: `${served.url}/token`,
      iat: Math.floor(served.clock.t / 1000),
      jti: crypto.randomUUID(),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    const res = await post(
      `${served.url}/token`,
      { grant_type: 'client_credentials', scope: 'read' },
      { authorization: SERVICE, dpop: proof },
    );
    expect(res.body?.token_type).toBe('DPoP');
    const bound = res.body?.access_token as string;
    const result = await auth().authenticate(bearer(bound));
    expect(result.ok === false && result.error.code).toBe('invalid_token');
  });

  it('an unknown token is invalid_token', async () => {
    const result = await auth().authenticate(bearer('opaque-garbage-token'));
    expect(result.ok === false && result.error.code).toBe('invalid_token');
  });
});
