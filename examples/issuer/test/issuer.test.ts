import { fileURLToPath } from 'node:url';
import { createAuthenticator, fetchRequestView, jwt } from '@authcore/core';
import { type RunningExample as Running, startExample } from '@authcore/example-shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const start = (env: Record<string, string>): Promise<Running> =>
  startExample(fileURLToPath(new URL('..', import.meta.url)), env, { name: 'issuer' });

const AUDIENCE = 'https://orders.api.test';
const REDIRECT = 'http://127.0.0.1:9/callback';
const CLIENTS = [
  {
    client_id: 'orders-worker',
    client_secret: 'worker-secret-0123456789',
    scopes: ['orders:read', 'orders:write'],
    audience: AUDIENCE,
  },
  { client_id: 'cli', redirect_uris: [REDIRECT], scopes: 'orders:read', audience: AUDIENCE },
];

async function verify(issuer: string, jwksUri: string, token: string) {
  const auth = createAuthenticator({
    schemes: [jwt({ issuer, audience: AUDIENCE, algorithms: ['ES256'], jwksUri })],
  });
  return auth.authenticate(
    fetchRequestView(
      new Request('http://api.test/', { headers: { authorization: `Bearer ${token}` } }),
    ),
  );
}

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body),
});

let example: Running;
beforeAll(async () => {
  example = await start({
    AUTHCORE_CLIENTS: JSON.stringify(CLIENTS),
    AUTHCORE_DEMO_USER: 'demo-user',
  });
});
afterAll(() => example?.stop());

describe('examples/issuer as a real process', () => {
  it('prints one ready line and answers /health', async () => {
    expect(example.output().trim().split('\n')).toHaveLength(1);
    const health = await fetch(`${example.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('issues client-credentials tokens the core verifies', async () => {
    const meta = (await (
      await fetch(`${example.url}/.well-known/oauth-authorization-server`)
    ).json()) as {
      issuer: string;
      token_endpoint: string;
      jwks_uri: string;
    };
    expect(meta.issuer).toBe(example.url);
    const res = await fetch(meta.token_endpoint, {
      ...form({ grant_type: 'client_credentials', scope: 'orders:read' }),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('orders-worker:worker-secret-0123456789').toString('base64')}`,
      },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('orders:read');
    const result = await verify(meta.issuer, meta.jwks_uri, body.access_token);
    expect(result.ok && result.principal).toMatchObject({ kind: 'service', id: 'orders-worker' });
  });

  it('auto-approves the demo user in the code flow', async () => {
    const verifier = 'v'.repeat(50);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    const authorize = new URL(`${example.url}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'cli',
      redirect_uri: REDIRECT,
      code_challenge: Buffer.from(digest).toString('base64url'),
      code_challenge_method: 'S256',
      state: 'abc',
    }).toString();
    const redirected = await fetch(authorize, { redirect: 'manual' });
    expect(redirected.status).toBe(302);
    const location = new URL(redirected.headers.get('location')!);
    expect(location.searchParams.get('iss')).toBe(example.url);
    const res = await fetch(
      `${example.url}/token`,
      form({
        grant_type: 'authorization_code',
        client_id: 'cli',
        code: location.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }),
    );
    const body = (await res.json()) as { access_token: string; refresh_token: string };
    expect(body.refresh_token).toEqual(expect.any(String));
    const result = await verify(example.url, `${example.url}/jwks`, body.access_token);
    expect(result.ok && result.principal).toMatchObject({ kind: 'user', id: 'demo-user' });
  });

  it('takes its issuer identifier from AUTHCORE_ISSUER, and refuses the code flow with no demo user', async () => {
    const other = await start({
      AUTHCORE_CLIENTS: JSON.stringify(CLIENTS),
      AUTHCORE_ISSUER: 'http://issuer.local:8080',
    });
    try {
      const meta = (await (
        await fetch(`${other.url}/.well-known/oauth-authorization-server`)
      ).json()) as {
        issuer: string;
        token_endpoint: string;
      };
      expect(meta).toMatchObject({
        issuer: 'http://issuer.local:8080',
        token_endpoint: 'http://issuer.local:8080/token',
      });
      const authorize = new URL(`${other.url}/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'cli',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      const denied = await fetch(authorize, { redirect: 'manual' });
      expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe(
        'access_denied',
      );
    } finally {
      await other.stop();
    }
  });
});
