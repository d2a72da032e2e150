import { createAuthenticator, jwt } from '@authcore/core';
import { authenticate, requireScopes } from '@authcore/express';
import { createTestIssuer, type TestIssuer } from '@authcore/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from './helpers.js';

// The `scope` of challenges (MCP authorization) through a real Express server.
let issuer: TestIssuer;
let server: Awaited<ReturnType<typeof listen>>;
const RM = 'resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp"';
const BODY_401 = '{"error":"credentials_required","error_description":"Authentication required"}';
const INSUFFICIENT =
  'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope"';

beforeAll(async () => {
  issuer = await createTestIssuer();
  const authenticator = createAuthenticator({
    schemes: [jwt(issuer.jwtOptions())],
    render: {
      resourceMetadata: 'https://mcp.example/.well-known/oauth-protected-resource/mcp',
      challengeScopes: ['mcp:tools'],
      keepGrantedScopes: true,
    },
  });
  const app = express();
  const ok = (_req: express.Request, res: express.Response) => {
    res.json({ ok: true });
  };
  app.post('/mcp', authenticate(authenticator, { scopes: 'mcp:tools' }), ok);
  app.get('/files', authenticate(authenticator, { scopes: 'files:read files:list' }), ok);
  app.get('/default', authenticate(authenticator), ok);
  app.get('/admin', authenticate(authenticator), requireScopes('mcp:admin'), ok);
  server = await listen(app);
});
afterAll(() => server?.close());

describe('challengeScopes and keepGrantedScopes on Express', () => {
  it('a bare 401 names the route scopes', async () => {
    const res = await fetch(`${server.url}/mcp`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", scope="mcp:tools", ${RM}`,
    );
    expect(await res.text()).toBe(BODY_401);
    const files = await fetch(`${server.url}/files`);
    expect(files.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", scope="files:read files:list", ${RM}`,
    );
  });

  it('a route without scopes names the configured default', async () => {
    const res = await fetch(`${server.url}/default`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", scope="mcp:tools", ${RM}`,
    );
  });

  it('invalid_token names them too', async () => {
    const expired = await issuer.issueToken({ sub: 'u', scope: 'mcp:tools' }, { expiresIn: -60 });
    const res = await fetch(`${server.url}/files`, {
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid", scope="files:read files:list", ' +
        RM,
    );
    expect(await res.text()).toBe(
      '{"error":"invalid_token","error_description":"The access token is invalid"}',
    );
  });

  it('step-up through requireScopes keeps the granted scopes', async () => {
    const token = await issuer.issueToken({ sub: 'u', scope: 'mcp:tools' });
    const res = await fetch(`${server.url}/admin`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `${INSUFFICIENT}, scope="mcp:tools mcp:admin"`,
    );
    expect(await res.text()).toBe(
      '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
    );
  });
});
