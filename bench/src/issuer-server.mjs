// One issuer in a process of its own for the issuer part: `authcore` (createIssuer on node:http,
// as examples/issuer runs it) or `oidc-provider` (panva's, a Koa application), both minting
// ES256 JWT access tokens for one resource by client credentials. Sends its port over IPC.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';

export const CLIENT = { id: 'bench-client', secret: 'bench-secret-0123456789abcdef' };
export const RESOURCE = 'https://api.bench.test';
export const SCOPE = 'orders:read';

async function authcore() {
  const { createIssuer, toNodeListener } = await import('@authcore/issuer');
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const issuer = createIssuer({
    issuer: `http://127.0.0.1:${port}`,
    clients: [
      {
        clientId: CLIENT.id,
        clientSecret: CLIENT.secret,
        scopes: [SCOPE],
        audience: [RESOURCE],
        grantTypes: ['client_credentials'],
      },
    ],
  });
  server.on('request', toNodeListener(issuer));
  return port;
}

async function oidcProvider() {
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'bench' };
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: SCOPE,
        id_token_signed_response_alg: 'ES256',
      },
    ],
    scopes: [SCOPE],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPE,
          audience: RESOURCE,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  provider.on('server_error', (_ctx, error) => process.stderr.write(`${error}\n`));
  server.on('request', provider.callback());
  return port;
}

const kind = process.env.BENCH_ISSUER;
try {
  const port = kind === 'oidc-provider' ? await oidcProvider() : await authcore();
  process.send?.({ port });
} catch (error) {
  process.send?.({ error: String(/** @type {Error} */ (error)?.stack ?? error) });
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
