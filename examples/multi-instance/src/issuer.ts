// The OAuth issuer, with its codes, refresh-token families, revocation list and clients in
// Redis. Start several: with AUTHCORE_KEY_ENCRYPTION_KEY they share their signing keys too.
// Env: PORT (0 = any), AUTHCORE_REDIS_URL or AUTHCORE_REDIS_CLUSTER_NODES, AUTHCORE_REDIS_PREFIX
// (default "authcore:"), DEMO_CLIENT_SECRET (the "demo" client's secret; default "demo-secret"),
// ISSUER_PUBLIC_URL (the issuer identifier every instance shares, the load balancer's origin;
// default http://127.0.0.1:$PORT), AUTHCORE_KEY_ENCRYPTION_KEY (32 bytes, base64url: signing
// keys in the Redis key store, sealed with it), DEMO_LOGIN_SECRET (turns on the code flow for
// the public client "demo-app"; see authorize below), DEMO_REDIRECT_URI (its redirect URI;
// default http://127.0.0.1:8080/callback), ISSUER_STORES=memory (no Redis at all).
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import {
  type AuthorizeHook,
  type ClientConfig,
  createIssuer,
  type Issuer,
  memoryClientStore,
  toNodeListener,
} from '@authcore/issuer';
import { openStores } from './redis.js';

// ISSUER_STORES=memory: everything in this process, no Redis (to compare throughput; one
// instance only, since nothing is shared).
const stores = process.env.ISSUER_STORES === 'memory' ? undefined : openStores();
const kek = process.env.AUTHCORE_KEY_ENCRYPTION_KEY;
const loginSecret = process.env.DEMO_LOGIN_SECRET;

const configs: ClientConfig[] = [
  {
    clientId: 'demo',
    clientSecret: process.env.DEMO_CLIENT_SECRET ?? 'demo-secret',
    scopes: ['orders:read', 'orders:write'],
    audience: 'https://api.example',
  },
];
if (loginSecret)
  configs.push({
    clientId: 'demo-app',
    redirectUris: [process.env.DEMO_REDIRECT_URI ?? 'http://127.0.0.1:8080/callback'],
    scopes: ['orders:read'],
    audience: 'https://api.example',
  });

// Stands in for your login and consent page: the user named by `x-demo-user`, believed only
// with `x-demo-login: $DEMO_LOGIN_SECRET`.
const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const authorize: AuthorizeHook = (request) => {
  const user = request.headers.get('x-demo-user');
  if (!loginSecret || !same(request.headers.get('x-demo-login') ?? '', loginSecret) || !user)
    return { error: 'login_required' };
  return { userId: user.slice(0, 64) };
};

let listener: ReturnType<typeof toNodeListener> | undefined;
const server = createServer((req, res) => {
  if (listener) void listener(req, res);
  else res.writeHead(503).end();
});
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', async () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The clients live in Redis, written by every instance at start (the same records).
  const configured = memoryClientStore(configs);
  if (stores)
    for (const { clientId } of configs) {
      const record = await configured.get(clientId);
      if (record) await stores.clients.put(record);
    }
  const issuer: Issuer = createIssuer({
    issuer: process.env.ISSUER_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
    clients: stores?.clients ?? configured,
    ...(loginSecret && { authorize }),
    ...(stores && {
      stores: {
        codes: stores.codes,
        refreshTokens: stores.refreshTokens,
        revocations: stores.revocations,
        // Without a key encryption key, this process signs with a key of its own.
        ...(kek && { keys: stores.keys }),
      },
      ...(kek && { keyEncryptionKey: kek }),
    }),
    onError: (error) => console.error('issuer:', error),
  });
  listener = toNodeListener(issuer);
  console.log(`authcore issuer listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void stores?.close();
  });
