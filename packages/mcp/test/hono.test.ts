import type { AddressInfo } from 'node:net';
import { createAuthenticator, jwt } from '@authcore/core';
import { authenticate } from '@authcore/hono';
import { mcpAuthInfo, requireToolScopes } from '@authcore/mcp/hono';
import {
  type ConformanceAuthenticator,
  createTestIssuer,
  recordingReasons,
  type TestIssuer,
} from '@authcore/testing';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The SDK's web-standard transport on Hono: authInfo is passed, not read from the request.
const RESOURCE = 'http://127.0.0.1/mcp';
let issuer: TestIssuer;
let authenticator: ConformanceAuthenticator;
let url: string;
let close: () => void;

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
  const app = new Hono().post(
    '/mcp',
    authenticate(authenticator, { scopes: 'mcp:tools' }),
    requireToolScopes({ admin: 'mcp:admin' }),
    async (c) => {
      const mcp = new McpServer({ name: 'test', version: '1.0.0' });
      mcp.registerTool('whoami', { description: 'the caller' }, (extra) => ({
        content: [{ type: 'text', text: JSON.stringify(extra.authInfo) }],
      }));
      mcp.registerTool('admin', { description: 'needs mcp:admin' }, () => ({
        content: [{ type: 'text', text: 'done' }],
      }));
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      await mcp.connect(transport);
      return transport.handleRequest(c.req.raw, {
        authInfo: mcpAuthInfo(c),
        parsedBody: await c.req.json(),
      });
    },
  );
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      url = `http://127.0.0.1:${(info as AddressInfo).port}`;
      resolve();
    });
    close = () => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close();
    };
  });
});
afterAll(() => close?.());

const connect = async (token: string) => {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
};

describe('@authcore/mcp/hono with the MCP SDK', () => {
  it('a tool gets the SDK AuthInfo of c.get("auth")', async () => {
    const token = await issuer.issueToken({ sub: 'bob', scope: 'mcp:tools', client_id: 'app' });
    const client = await connect(token);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    const info = JSON.parse((result.content as { text: string }[])[0]!.text);
    expect(info).toMatchObject({
      token,
      clientId: 'app',
      scopes: ['mcp:tools'],
      resource: RESOURCE,
      extra: { sub: 'bob', kind: 'user', scheme: 'jwt', issuer: issuer.issuer },
    });
    expect(typeof info.expiresAt).toBe('number');
  });

  it('a tool that needs more scope: 403 with the granted and the missing scopes', async () => {
    const token = await issuer.issueToken({ sub: 'bob', scope: 'mcp:tools' });
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami' } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'admin' } },
      ]),
    });
    expect(res.status).toBe(403);
    expect(authenticator.takeReasons()).toEqual(['scope_missing']);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="mcp:tools mcp:admin"',
    );
    expect(await res.text()).toBe(
      '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
    );
  });

  it('a body that is not JSON: 400 parse error, before the transport', async () => {
    const token = await issuer.issueToken({ sub: 'bob', scope: 'mcp:tools' });
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"admin"}',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}',
    );
  });

  it('with the scope, the admin tool runs', async () => {
    const client = await connect(
      await issuer.issueToken({ sub: 'root', scope: 'mcp:tools mcp:admin' }),
    );
    expect((await client.callTool({ name: 'admin', arguments: {} })).content).toEqual([
      { type: 'text', text: 'done' },
    ]);
    await client.close();
  });
});
