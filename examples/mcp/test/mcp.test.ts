import { fileURLToPath } from 'node:url';
import {
  freePort,
  type RunningExample as Running,
  startExample as startIn,
} from '@authcore/example-shared';
import { type HttpsTestServer, startHttpsServer } from '@authcore/testing';
import {
  type OAuthClientProvider,
  UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `examples/<name>` as a real process, ready on its one ready line. */
const startExample = (name: 'issuer' | 'mcp', env: Record<string, string>) =>
  startIn(fileURLToPath(new URL(`../../${name}`, import.meta.url)), env, { name });

// The MCP SDK's own client against the two example processes, with nothing pre-arranged but the
// issuer's policy: it discovers (401 -> RFC 9728 -> RFC 8414), registers (RFC 7591, or a client
// ID metadata document), runs the code flow with PKCE and `resource`, calls tools, and steps up
// on a 403. The test plays the user: it follows the authorization URL, which examples/issuer
// approves as AUTHCORE_DEMO_USER.
const REDIRECT = 'http://127.0.0.1:8976/callback';
const INSUFFICIENT =
  'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope"';

let issuer: Running;
let mcp: Running;
let mcpUrl: string;
let documents: HttpsTestServer | undefined;
let documentUrl: string;

/** An `OAuthClientProvider` kept in memory; the "browser" is fetch with manual redirects. */
class TestProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  /** Every authorization URL the SDK sent the user to, and the code each one gave. */
  readonly authorizations: URL[] = [];
  code: string | undefined;
  readonly clientMetadataUrl?: string;

  constructor(options: { clientId?: string; clientMetadataUrl?: string } = {}) {
    if (options.clientId) this.info = { client_id: options.clientId };
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'authcore MCP test client',
      redirect_uris: [REDIRECT],
      // No refresh grant: SDK 1.x refreshes on step-up, and a refresh never widens a grant.
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}`);
    const back = new URL(location);
    if (back.origin + back.pathname !== REDIRECT) throw new Error(`redirected to ${location}`);
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`authorization refused: ${location}`);
    this.code = code;
  }
}

const transportFor = (provider: TestProvider) =>
  new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });

/** Connects as an MCP client would: 401, authorization, finishAuth, connect again. */
async function authorizedClient(provider: TestProvider) {
  const first = new Client({ name: 'test', version: '1.0.0' });
  const transport = transportFor(provider);
  await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.code).toBeDefined();
  await transport.finishAuth(provider.code!);
  const client = new Client({ name: 'test', version: '1.0.0' });
  const connected = transportFor(provider);
  await client.connect(connected);
  return { client, transport: connected };
}

const text = (result: unknown) =>
  ((result as { content: { type: string; text: string }[] }).content[0] ?? { text: '' }).text;

/** The scope and audience the issuer put in the current access token. */
function claims(provider: TestProvider) {
  const token = provider.saved?.access_token ?? '';
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    scope: string;
    aud: string;
    client_id: string;
    sub: string;
  };
}

beforeAll(async () => {
  // The client ID metadata document, over https on 127.0.0.1 with the test's own CA.
  documents = await startHttpsServer((req, res) => {
    if (req.url !== '/oauth/client.json') {
      res.writeHead(404).end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        client_id: documentUrl,
        client_name: 'authcore MCP test client (metadata document)',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope: 'mcp:tools mcp:admin',
      }),
    );
  });
  documentUrl = `${documents.origin}/oauth/client.json`;

  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  issuer = await startExample('issuer', {
    AUTHCORE_AUDIENCE: mcpUrl,
    AUTHCORE_DEMO_USER: 'alice',
    AUTHCORE_CLIENTS: JSON.stringify([
      {
        client_id: 'pre-registered',
        redirect_uris: [REDIRECT],
        scopes: 'mcp:tools mcp:admin',
        audience: mcpUrl,
      },
    ]),
    AUTHCORE_REGISTRATION: 'open',
    AUTHCORE_CLIENT_METADATA_DOCUMENTS: '1',
    AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK: '1',
    NODE_EXTRA_CA_CERTS: documents.certificates.caFile,
  });
  mcp = await startExample('mcp', { PORT: String(port), AUTHCORE_ISSUER: issuer.url });
}, 40_000);

afterAll(async () => {
  await mcp?.stop();
  await issuer?.stop();
  await documents?.close();
});

describe('examples/mcp as a real process', () => {
  it('prints one ready line, answers /health and serves its RFC 9728 document', async () => {
    expect(mcp.output().trim().split('\n')).toEqual([
      `authcore mcp example listening on ${mcpUrl.replace('/mcp', '')}`,
    ]);
    const health = await fetch(mcpUrl.replace('/mcp', '/health'));
    expect([health.status, await health.text()]).toEqual([200, '{"status":"ok"}']);
    const prm = await fetch(mcpUrl.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'));
    expect(prm.status).toBe(200);
    expect(await prm.text()).toBe(
      `{"resource":"${mcpUrl}","authorization_servers":["${issuer.url}"],"scopes_supported":["mcp:tools","mcp:admin"],"bearer_methods_supported":["header"],"resource_name":"authcore MCP example"}`,
    );
  });

  it('a request without a token: 401 naming the scope and the metadata', async () => {
    const res = await fetch(mcpUrl, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", scope="mcp:tools", resource_metadata="${mcpUrl.replace('/mcp', '/.well-known/oauth-protected-resource/mcp')}"`,
    );
    expect(await res.text()).toBe(
      '{"error":"credentials_required","error_description":"Authentication required"}',
    );
  });
});

describe('the MCP SDK client against examples/issuer and examples/mcp', () => {
  it('registers by RFC 7591 with no client information, authorizes with PKCE and resource, calls a tool', async () => {
    const provider = new TestProvider();
    const { client } = await authorizedClient(provider);
    try {
      // Registered by DCR: an issuer-made client id, for the scope the 401 named.
      expect(provider.info?.client_id).toMatch(/.+/);
      expect(provider.info?.client_id).not.toBe('pre-registered');
      const [authorization] = provider.authorizations;
      expect(authorization?.origin).toBe(issuer.url);
      expect(authorization?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization?.searchParams.get('resource')).toBe(mcpUrl);
      expect(authorization?.searchParams.get('scope')).toBe('mcp:tools');
      expect(claims(provider)).toMatchObject({
        aud: mcpUrl,
        scope: 'mcp:tools',
        sub: 'alice',
        client_id: provider.info?.client_id,
      });
      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse(text(whoami))).toEqual({
        sub: 'alice',
        clientId: provider.info?.client_id,
        scopes: ['mcp:tools'],
      });
      // It registered for the scope of the 401 only, so the issuer refuses a step-up beyond it.
      await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toThrow(
        /error=invalid_scope/,
      );
    } finally {
      await client.close();
    }
  });

  it('by a client ID metadata document over https; the admin tool is a 403, then step-up succeeds', async () => {
    const provider = new TestProvider({ clientMetadataUrl: documentUrl });
    const { client, transport } = await authorizedClient(provider);
    try {
      expect(provider.info?.client_id).toBe(documentUrl);
      expect(claims(provider)).toMatchObject({ client_id: documentUrl, scope: 'mcp:tools' });
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({
        sub: 'alice',
        clientId: documentUrl,
        scopes: ['mcp:tools'],
      });

      // What the SDK sees for the admin tool with this token: a 403 naming both scopes.
      const denied = await fetch(mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${provider.saved?.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'admin_report', arguments: {} },
        }),
      });
      expect(denied.status).toBe(403);
      expect(denied.headers.get('www-authenticate')).toBe(
        `${INSUFFICIENT}, scope="mcp:tools mcp:admin"`,
      );

      // The SDK steps up: a new authorization for the challenged scopes, then the call again.
      await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toBeInstanceOf(
        UnauthorizedError,
      );
      expect(provider.authorizations).toHaveLength(2);
      expect(provider.authorizations[1]?.searchParams.get('scope')).toBe('mcp:tools mcp:admin');
      await transport.finishAuth(provider.code!);
      expect(claims(provider).scope).toBe('mcp:tools mcp:admin');
      const report = await client.callTool({ name: 'admin_report', arguments: {} });
      expect(text(report)).toBe('report for alice');
      // The base tool still works with the stepped-up token.
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({
        sub: 'alice',
        clientId: documentUrl,
        scopes: ['mcp:tools', 'mcp:admin'],
      });
    } finally {
      await client.close();
    }
  });

  it('AUTHCORE_JWKS_URI and AUTHCORE_AUDIENCE: keys from that JWKS, tokens for that audience', async () => {
    const provider = new TestProvider({ clientId: 'pre-registered' });
    const { client } = await authorizedClient(provider);
    await client.close();
    const other = await startExample('mcp', {
      AUTHCORE_ISSUER: issuer.url,
      AUTHCORE_AUDIENCE: mcpUrl,
      AUTHCORE_JWKS_URI: `${issuer.url}/jwks`,
    });
    try {
      const list = (token: string) =>
        fetch(`${other.url}/mcp`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}',
        });
      const listed = await list(provider.saved!.access_token);
      expect(listed.status).toBe(200);
      expect(await listed.text()).toContain('"name":"admin_report"');
      const forged = `${provider.saved!.access_token.slice(0, -4)}AAAA`;
      expect((await list(forged)).headers.get('www-authenticate')).toBe(
        `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", scope="mcp:tools", resource_metadata="${mcpUrl.replace('/mcp', '/.well-known/oauth-protected-resource/mcp')}"`,
      );
    } finally {
      await other.stop();
    }
  });

  it('a pre-registered client (the provider’s clientInformation) calls a tool and steps up', async () => {
    const provider = new TestProvider({ clientId: 'pre-registered' });
    const { client, transport } = await authorizedClient(provider);
    try {
      expect(claims(provider)).toMatchObject({ client_id: 'pre-registered', scope: 'mcp:tools' });
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({
        sub: 'alice',
        clientId: 'pre-registered',
        scopes: ['mcp:tools'],
      });
      // examples/issuer gives a pre-registered public client refresh tokens, and SDK 1.x
      // refreshes on step-up, which cannot widen the scope: it gives up on the second 403.
      expect(provider.saved?.refresh_token).toBeDefined();
      await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toMatchObject({
        code: 403,
        message: expect.stringContaining('after trying upscoping'),
      });
      expect(provider.authorizations).toHaveLength(1);
      // Dropping it, as a provider that keeps no refresh tokens would, makes step-up a new
      // authorization (after a successful call, which resets the transport's loop guard).
      expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toContain('alice');
      provider.saved = provider.saved && { ...provider.saved, refresh_token: undefined };
      await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toBeInstanceOf(
        UnauthorizedError,
      );
      await transport.finishAuth(provider.code!);
      expect(text(await client.callTool({ name: 'admin_report', arguments: {} }))).toBe(
        'report for alice',
      );
    } finally {
      await client.close();
    }
  });
});
