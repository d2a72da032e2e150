import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateApiKey, MemoryApiKeyStore } from '@authcore/core';
import { type Issuer, toNodeListener } from '@authcore/issuer';
import { createDemoApi } from './api.js';
import { CLIENT_SCOPES, createDemoIssuer, DEMO_USER, type DemoUser } from './issuer.js';
import { addressKey, peer } from './peer.js';
import { createDemoWeb } from './web.js';

export interface DemoPorts {
  issuer: number;
  api: number;
  web: number;
}

export interface Demo {
  urls: { issuer: string; api: string; web: string };
  issuer: Issuer;
  user: DemoUser;
  serviceClient: { clientId: string; clientSecret: string };
  webClient: { clientId: string; clientSecret: string };
  redirectUri: string;
  /** A key generated at start with `orders:read` only, accepted in `X-API-Key`. */
  apiKey: { key: string; hint: string; scopes: string[] };
  refreshReuseLeeway: number;
  close(): Promise<void>;
}

/** A port already taken: which server and which variable moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly server: string,
    readonly port: number,
    readonly variable: string,
  ) {
    super(
      `Port ${port} on 127.0.0.1 (the ${server}) is already in use. Stop whatever listens there ` +
        `(another \`pnpm demo\`?) or pick another port: ${variable}=<port> pnpm demo`,
    );
    this.name = 'PortInUseError';
  }
}

const PORT_VARIABLES = { issuer: 'DEMO_ISSUER_PORT', api: 'DEMO_API_PORT', web: 'DEMO_WEB_PORT' };

function listen(server: Server, name: keyof DemoPorts, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' ? new PortInUseError(name, port, PORT_VARIABLES[name]) : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const secret = () => randomBytes(32).toString('base64url');

/**
 * Starts the issuer, the API and the web client on 127.0.0.1 (port 0 picks a free one).
 * Secrets, the signing key and the API key are fresh at every start.
 */
export async function startDemo(
  ports: DemoPorts,
  options: { refreshReuseLeeway?: number } = {},
): Promise<Demo> {
  const servers = { issuer: createServer(), api: createServer(), web: createServer() };
  const bound: Partial<DemoPorts> = {};
  try {
    for (const name of ['issuer', 'api', 'web'] as const)
      bound[name] = await listen(servers[name], name, ports[name]);
  } catch (error) {
    await Promise.all(Object.values(servers).map(closeServer));
    throw error;
  }
  const urls = {
    issuer: `http://127.0.0.1:${bound.issuer}`,
    api: `http://127.0.0.1:${bound.api}`,
    web: `http://127.0.0.1:${bound.web}`,
  };
  const serviceClient = { clientId: 'demo-service', clientSecret: secret() };
  const webClient = { clientId: 'demo-web', clientSecret: secret() };
  const redirectUri = `${urls.web}/callback`;
  const refreshReuseLeeway = options.refreshReuseLeeway ?? 2;

  const issuer = createDemoIssuer({
    issuerUrl: urls.issuer,
    audience: urls.api,
    redirectUri,
    serviceClient,
    webClient,
    refreshReuseLeeway,
  });
  // The login hook's limits count clients by their socket address (see peer.ts).
  const issuerListener = toNodeListener(issuer);
  servers.issuer.on('request', (req, res) => {
    void peer.run(addressKey(req.socket.remoteAddress), () => issuerListener(req, res));
  });

  const apiKeys = new MemoryApiKeyStore();
  const generated = await generateApiKey({
    prefix: 'sk_demo',
    owner: 'demo-partner',
    scopes: ['orders:read'],
  });
  await apiKeys.create(generated.record);
  const api = createDemoApi({
    issuerUrl: urls.issuer,
    audience: urls.api,
    jwksUri: issuer.metadata.jwks_uri,
    apiKeys,
    isRevoked: (jti) => issuer.isRevoked(jti),
  });
  servers.api.on('request', api);

  const web = createDemoWeb({
    webUrl: urls.web,
    issuerUrl: urls.issuer,
    apiUrl: urls.api,
    authorizationEndpoint: issuer.metadata.authorization_endpoint!,
    tokenEndpoint: issuer.metadata.token_endpoint,
    revocationEndpoint: issuer.metadata.revocation_endpoint,
    client: webClient,
    scope: CLIENT_SCOPES.join(' '),
  });
  servers.web.on('request', (req, res) => void web(req, res));

  return {
    urls,
    issuer,
    user: DEMO_USER,
    serviceClient,
    webClient,
    redirectUri,
    apiKey: { key: generated.key, hint: generated.record.hint, scopes: ['orders:read'] },
    refreshReuseLeeway,
    close: async () => {
      await Promise.all(Object.values(servers).map(closeServer));
    },
  };
}
