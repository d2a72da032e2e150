import type { Principal } from '@authcore/core';
import { authenticate as expressAuthenticate } from '@authcore/express';
import { authenticate as honoAuthenticate } from '@authcore/hono';
import { type AuthInfo, toAuthInfo } from '@authcore/mcp';
import { mcpAuthInfo as expressAuthInfo, handleMcpRequest } from '@authcore/mcp/express';
import { mcpAuthInfo as honoAuthInfo } from '@authcore/mcp/hono';
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import express from 'express';
import { Hono } from 'hono';
import { expectTypeOf, test } from 'vitest';

declare const authenticator: Parameters<typeof expressAuthenticate>[0];
declare const principal: Principal;

test('AuthInfo is the SDK’s, field for field', () => {
  expectTypeOf<AuthInfo>().toEqualTypeOf<SdkAuthInfo>();
  expectTypeOf(toAuthInfo(principal, 'token')).toExtend<SdkAuthInfo>();
  expectTypeOf(toAuthInfo(principal, 'token').extra.sub).toEqualTypeOf<string>();
});

test('Express: mcpAuthInfo(req) and handleMcpRequest take what the SDK and Express give, no casts', () => {
  const app = express();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  app.post('/mcp', expressAuthenticate(authenticator), async (req, res) => {
    expectTypeOf(req.auth).toEqualTypeOf<Principal | undefined>();
    expectTypeOf(expressAuthInfo(req)).toEqualTypeOf<SdkAuthInfo | undefined>();
    await handleMcpRequest(transport, req, res);
    await handleMcpRequest(transport, req, res, req.body, { resource: 'https://mcp.example/mcp' });
  });
});

test('Hono: mcpAuthInfo(c) is the authInfo of the web-standard transport', () => {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  new Hono().post('/mcp', honoAuthenticate(authenticator), async (c) => {
    const authInfo = honoAuthInfo(c);
    expectTypeOf(authInfo).toEqualTypeOf<SdkAuthInfo | undefined>();
    return transport.handleRequest(c.req.raw, { authInfo });
  });
  new Hono().post('/mcp', honoAuthenticate(authenticator, { optional: true }), (c) =>
    c.json(honoAuthInfo(c) ?? null),
  );
});
