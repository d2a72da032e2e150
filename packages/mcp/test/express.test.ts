import { type AnyPrincipal, createAuthenticator, jwt } from '@authcore/core';
import { authenticate } from '@authcore/express';
import { handleMcpRequest, mcpAuthInfo, requireToolScopes } from '@authcore/mcp/express';
import {
  type ConformanceAuthenticator,
  createTestIssuer,
  recordingReasons,
  type TestIssuer,
} from '@authcore/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listen } from './helpers.js';

// A real MCP server (the SDK's McpServer over Streamable HTTP) behind @authcore/express, called
// by the SDK's own client: the tool sees the SDK's AuthInfo, the route keeps the principal.
const RESOURCE = 'http://127.0.0.1/mcp';
let issuer: TestIssuer;
let authenticator: ConformanceAuthenticator;
let server: Awaited<ReturnType<typeof listen>>;
let afterCall: AnyPrincipal | undefined;

function mcpServer(): McpServer {
  const mcp = new McpServer({ name: 'test', version: '1.0.0' });
  mcp.registerTool('whoami', { description: 'the caller' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify(extra.authInfo) }],
  }));
  mcp.registerTool('admin', { description: 'needs mcp:admin' }, () => ({
    content: [{ type: 'text', text: 'done' }],
  }));
  return mcp;
}

// Each test sees the reasons of its own requests only.
beforeEach(() => {
  authenticator?.takeReasons();
});

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
  // Records the reason of each refusal it renders: the tests assert it.
  authenticator = recordingReasons(
    createAuthenticator({
      schemes: [jwt(issuer.jwtOptions())],
      render: { challengeScopes: true, keepGrantedScopes: true },
    }),
  );
  const app = express();
  app.use(express.json());
  app.post(
    '/mcp',
    authenticate(authenticator, { scopes: 'mcp:tools' }),
    requireToolScopes({ admin: 'mcp:admin' }),
    async (req, res) => {
      // Stateless: one server and transport per request.
      const mcp = mcpServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await handleMcpRequest(transport, req, res);
      afterCall = req.auth;
    },
  );
  server = await listen(app);
});
afterAll(() => server?.close());

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe('@authcore/mcp/express with the MCP SDK', () => {
  it('a tool gets the SDK AuthInfo of the principal; req.auth is the principal again after', async () => {
    const token = await issuer.issueToken({
      sub: 'alice',
      scope: 'mcp:tools profile',
      client_id: 'cli',
    });
    const client = await connect(token);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    const content = result.content as { type: string; text: string }[];
    const info = JSON.parse(content[0]!.text);
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp;
    expect(info).toEqual({
      token,
      clientId: 'cli',
      scopes: ['mcp:tools', 'profile'],
      expiresAt: exp,
      resource: RESOURCE,
      extra: { sub: 'alice', kind: 'user', scheme: 'jwt', issuer: issuer.issuer },
    });
    expect(afterCall?.id).toBe('alice');
    expect(afterCall?.scopes).toEqual(new Set(['mcp:tools', 'profile']));
  });

  it('a tool that needs more scope is a 403 naming the granted and the missing scopes', async () => {
    const token = await issuer.issueToken({ sub: 'alice', scope: 'mcp:tools' });
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'admin', arguments: {} },
      }),
    });
    expect(res.status).toBe(403);
    expect(authenticator.takeReasons()).toEqual(['scope_missing']);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="mcp:tools mcp:admin"',
    );
    expect(await res.text()).toBe(
      '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
    );
    // Through the SDK client (no auth provider, so no step-up): the call fails, other tools work.
    const client = await connect(token);
    await expect(client.callTool({ name: 'admin', arguments: {} })).rejects.toMatchObject({
      code: 403,
    });
    expect((await client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    await client.close();
  });

  it('with mcp:admin the admin tool runs', async () => {
    const token = await issuer.issueToken({ sub: 'root', scope: 'mcp:tools mcp:admin' });
    const client = await connect(token);
    const result = await client.callTool({ name: 'admin', arguments: {} });
    await client.close();
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
  });

  it('no token: 401 naming the route scope', async () => {
    authenticator.takeReasons();
    const res = await fetch(`${server.url}/mcp`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(authenticator.takeReasons()).toEqual(['credentials_missing']);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", scope="mcp:tools"');
  });

  it('mcpAuthInfo is undefined on an anonymous request', async () => {
    const app = express();
    app.get('/', (req, res) => {
      res.json({ info: mcpAuthInfo(req) ?? null });
    });
    const s = await listen(app);
    try {
      expect(await (await fetch(s.url)).json()).toEqual({ info: null });
    } finally {
      await s.close();
    }
  });

  it('requireToolScopes without express.json() fails closed: 500, the tool never runs', async () => {
    const authenticator = createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] });
    let ran = false;
    const app = express();
    app.post(
      '/mcp',
      authenticate(authenticator),
      requireToolScopes({ admin: 'mcp:admin' }),
      (_req, res) => {
        ran = true;
        res.end();
      },
    );
    const errors: unknown[] = [];
    app.use(((error, _req, res, _next) => {
      errors.push(error);
      res.status(500).end();
    }) as express.ErrorRequestHandler);
    const s = await listen(app);
    try {
      const token = await issuer.issueToken({ sub: 'alice', scope: 'mcp:tools' });
      const res = await fetch(`${s.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'admin' },
        }),
      });
      expect(res.status).toBe(500);
      expect(ran).toBe(false);
      expect(String(errors[0])).toBe(
        'Error: @authcore/mcp/express: requireToolScopes needs express.json() first',
      );
    } finally {
      await s.close();
    }
  });

  it('requireToolScopes needs a map of scopes', () => {
    expect(() => requireToolScopes('mcp:admin' as never)).toThrow(
      '@authcore/mcp/express: requireToolScopes() needs { [tool]: scopes }',
    );
  });
});
