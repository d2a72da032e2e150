import { fileURLToPath } from 'node:url';
import { createAuthenticator, fetchRequestView, jwt } from '@authcore/core';
import { type RunningExample as Running, startExample } from '@authcore/example-shared';
import { type HttpsTestServer, startHttpsServer } from '@authcore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const start = (env: Record<string, string>): Promise<Running> =>
  startExample(fileURLToPath(new URL('..', import.meta.url)), env, { name: 'issuer' });

const AUDIENCE = 'https://mcp.api.test';
const CLIENTS = [
  {
    client_id: 'svc',
    client_secret: 'svc-secret-0123456789',
    scopes: 'tools:read tools:call',
    audience: AUDIENCE,
  },
];
const REDIRECT = 'http://localhost:8090/callback';

async function challenge(verifier: string) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return Buffer.from(digest).toString('base64url');
}

/** The code flow as a public client, approved by AUTHCORE_DEMO_USER; returns the access token. */
async function codeFlow(url: string, clientId: string, redirectUri: string) {
  const verifier = 'w'.repeat(50);
  const authorize = new URL(`${url}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: await challenge(verifier),
    code_challenge_method: 'S256',
    scope: 'tools:read',
    resource: AUDIENCE,
  }).toString();
  const redirected = await fetch(authorize, { redirect: 'manual' });
  expect(redirected.status).toBe(302);
  const code = new URL(redirected.headers.get('location')!).searchParams.get('code')!;
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      resource: AUDIENCE,
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; scope: string };
  expect(body.scope).toBe('tools:read');
  const auth = createAuthenticator({
    schemes: [
      jwt({ issuer: url, audience: AUDIENCE, algorithms: ['ES256'], jwksUri: `${url}/jwks` }),
    ],
  });
  const result = await auth.authenticate(
    fetchRequestView(
      new Request('http://api.test/', {
        headers: { authorization: `Bearer ${body.access_token}` },
      }),
    ),
  );
  expect(result.ok && result.principal).toMatchObject({ kind: 'user', id: 'demo-user', clientId });
}

describe('AUTHCORE_REGISTRATION=open', () => {
  it('registers a client as the MCP SDK does (localhost redirect, client_secret_post) and runs the code flow', async () => {
    const example = await start({
      AUTHCORE_CLIENTS: JSON.stringify(CLIENTS),
      AUTHCORE_DEMO_USER: 'demo-user',
      AUTHCORE_REGISTRATION: 'open',
    });
    try {
      expect(example.output().trim().split('\n')).toHaveLength(1);
      const meta = (await (
        await fetch(`${example.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(meta.registration_endpoint).toBe(`${example.url}/register`);
      expect(meta).not.toHaveProperty('client_id_metadata_document_supported');
      const res = await fetch(`${example.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          client_name: 'MCP CLI',
        }),
      });
      expect(res.status).toBe(201);
      const client = (await res.json()) as { client_id: string; scope: string };
      expect(client.scope).toBe('tools:read tools:call');
      await codeFlow(example.url, client.client_id, REDIRECT);
    } finally {
      await example.stop();
    }
  });

  it('is off unless asked for', async () => {
    const example = await start({ AUTHCORE_CLIENTS: JSON.stringify(CLIENTS) });
    try {
      const res = await fetch(`${example.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(404);
    } finally {
      await example.stop();
    }
  });
});

describe('AUTHCORE_CLIENT_METADATA_DOCUMENTS=1', () => {
  // The document is served over https on 127.0.0.1 with a certificate from the test's own CA,
  // which the example trusts through NODE_EXTRA_CA_CERTS.
  let docs: HttpsTestServer;
  let clientId: string;
  beforeAll(async () => {
    docs = await startHttpsServer((req, res) => {
      if (req.url !== '/client.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          client_id: clientId,
          client_name: 'Doc CLI',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
        }),
      );
    });
    clientId = `${docs.origin}/client.json`;
  });
  afterAll(async () => {
    await docs.close();
  });

  it('with AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK=1, a document client runs the code flow', async () => {
    const example = await start({
      AUTHCORE_CLIENTS: JSON.stringify(CLIENTS),
      AUTHCORE_DEMO_USER: 'demo-user',
      AUTHCORE_CLIENT_METADATA_DOCUMENTS: '1',
      AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK: '1',
      NODE_EXTRA_CA_CERTS: docs.certificates.caFile,
    });
    try {
      const meta = (await (
        await fetch(`${example.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(meta.client_id_metadata_document_supported).toBe(true);
      expect(meta).not.toHaveProperty('registration_endpoint');
      await codeFlow(example.url, clientId, REDIRECT);
    } finally {
      await example.stop();
    }
  });

  it('without it, a document on 127.0.0.1 is refused: an error page, no redirect', async () => {
    const example = await start({
      AUTHCORE_CLIENTS: JSON.stringify(CLIENTS),
      AUTHCORE_DEMO_USER: 'demo-user',
      AUTHCORE_CLIENT_METADATA_DOCUMENTS: '1',
      NODE_EXTRA_CA_CERTS: docs.certificates.caFile,
    });
    try {
      const authorize = new URL(`${example.url}/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        code_challenge: await challenge('w'.repeat(50)),
        code_challenge_method: 'S256',
      }).toString();
      const res = await fetch(authorize, { redirect: 'manual' });
      expect(res.status).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.json()).toEqual({
        error: 'invalid_client',
        error_description: 'the client metadata document could not be used',
      });
    } finally {
      await example.stop();
    }
  });

  it('refuses AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK without AUTHCORE_CLIENT_METADATA_DOCUMENTS', async () => {
    await expect(
      start({
        AUTHCORE_CLIENTS: JSON.stringify(CLIENTS),
        AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK: '1',
      }),
    ).rejects.toThrow(
      'AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK needs AUTHCORE_CLIENT_METADATA_DOCUMENTS=1',
    );
  });
});
