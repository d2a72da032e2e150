import { type AnyPrincipal, type Authenticator, createAuthenticator, jwt } from '@authcore/core';
import { authenticate, resourceMetadata } from '@authcore/express';
import { handleMcpRequest, requireToolScopes } from '@authcore/mcp/express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type Express } from 'express';

/** The scope every MCP request needs, and the one the admin tool needs besides. */
export const BASE_SCOPE = 'mcp:tools';
export const ADMIN_SCOPE = 'mcp:admin';

export interface McpAppOptions {
  /** The authorization server (`iss` of tokens, in the metadata). */
  issuer: string;
  /** This server's MCP endpoint URL: the RFC 8707 resource, the tokens' `aud`. */
  resource: string;
  /** Default: discovered from the issuer (RFC 8414). */
  jwksUri?: string | undefined;
}

/** The MCP server of one request: two tools, each reading the caller from `extra.authInfo`. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'authcore-mcp-example', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: `Who is calling, and with which scopes (needs ${BASE_SCOPE}).` },
    (extra) => ({
      content: [
        {
          type: 'text',
          text: JSON.stringify({
            sub: extra.authInfo?.extra?.sub,
            clientId: extra.authInfo?.clientId,
            scopes: extra.authInfo?.scopes,
          }),
        },
      ],
    }),
  );
  server.registerTool(
    'admin_report',
    { description: `An administrator's report (needs ${ADMIN_SCOPE}).` },
    (extra) => ({
      content: [{ type: 'text', text: `report for ${String(extra.authInfo?.extra?.sub)}` }],
    }),
  );
  return server;
}

/** The authenticator of the MCP endpoint: JWTs for this resource, scopes named in challenges. */
export function mcpAuthenticator(options: McpAppOptions): Authenticator<AnyPrincipal> {
  const url = new URL(options.resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return createAuthenticator({
    schemes: [
      jwt({
        issuer: options.issuer,
        audience: options.resource,
        algorithms: ['ES256'],
        ...(options.jwksUri ? { jwksUri: options.jwksUri } : { discovery: true }),
      }),
    ],
    render: {
      resourceMetadata: `${url.origin}/.well-known/oauth-protected-resource${path}`,
      // MCP: 401s name the scope to ask for; a 403 names what the token has plus what is missing.
      challengeScopes: true,
      keepGrantedScopes: true,
    },
  });
}

export function createApp(options: McpAppOptions): Express {
  const authenticator = mcpAuthenticator(options);
  const app = express();
  app.disable('x-powered-by');

  // RFC 9728: where MCP clients find the authorization server and the scopes.
  app.use(
    resourceMetadata({
      resource: options.resource,
      authorizationServers: [options.issuer],
      scopesSupported: [BASE_SCOPE, ADMIN_SCOPE],
      resourceName: 'authcore MCP example',
    }),
  );

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const mcpPath = new URL(options.resource).pathname;
  app.all(
    mcpPath,
    authenticate(authenticator, { scopes: BASE_SCOPE }),
    express.json({ limit: '1mb' }),
    requireToolScopes({ admin_report: ADMIN_SCOPE }),
    async (req, res) => {
      // Stateless Streamable HTTP: POST only, a server and a transport per request.
      if (req.method !== 'POST') {
        res
          .status(405)
          .set('allow', 'POST')
          .json({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'Method not allowed' },
            id: null,
          });
        return;
      }
      const server = mcpServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await handleMcpRequest(transport, req, res);
    },
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}
