// The OAuth issuer, with its codes, refresh-token families and revocation list in Redis.
// Env: PORT (0 = any), AUTHCORE_REDIS_URL, AUTHCORE_REDIS_PREFIX (default "authcore:"),
// DEMO_CLIENT_SECRET (the "demo" client's secret; default "demo-secret").
import { createServer } from 'node:http';
import { createIssuer, type Issuer, toNodeListener } from '@authcore/issuer';
import { createRedisStores } from '@authcore/redis';

const stores = createRedisStores({
  redis: process.env.AUTHCORE_REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.AUTHCORE_REDIS_PREFIX ?? 'authcore:',
  onError: (error) => console.error('redis:', error instanceof Error ? error.message : error),
});

let listener: ReturnType<typeof toNodeListener> | undefined;
const server = createServer((req, res) => {
  if (listener) void listener(req, res);
  else res.writeHead(503).end();
});
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // One issuer process signs with one key; several issuer processes would share `keys`.
  const issuer: Issuer = createIssuer({
    issuer: `http://127.0.0.1:${port}`,
    clients: [
      {
        clientId: 'demo',
        clientSecret: process.env.DEMO_CLIENT_SECRET ?? 'demo-secret',
        scopes: ['orders:read', 'orders:write'],
        audience: 'https://api.example',
      },
    ],
    stores: {
      codes: stores.codes,
      refreshTokens: stores.refreshTokens,
      revocations: stores.revocations,
    },
    onError: (error) => console.error('issuer:', error),
  });
  listener = toNodeListener(issuer);
  console.log(`authcore issuer listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void stores.close();
  });
