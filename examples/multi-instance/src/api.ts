// One API instance. Start as many as you like on one Redis: API keys, revoked tokens, DPoP
// proofs and the per-key rate limit are shared, a JWT needs nothing shared.
// Env: PORT (0 = any), INSTANCE (a name shown in answers), AUTHCORE_REDIS_URL (or
// AUTHCORE_REDIS_CLUSTER_NODES for a Redis Cluster),
// AUTHCORE_REDIS_PREFIX (default "authcore:"), ISSUER_URL (the issuer, for discovery),
// ADMIN_TOKEN (enables /admin/keys with `x-admin-token`), RATE_LIMIT (requests per key per
// minute, default 60), AUTHCORE_PUBLIC_ORIGIN (the origin(s) clients call, comma-separated, that
// DPoP proofs name; default http://127.0.0.1:$PORT).
import {
  type AnyPrincipal,
  apiKey,
  createAuthenticator,
  generateApiKey,
  jwt,
  principalToJSON,
} from '@authcore/core';
import { authenticate, requireScopes } from '@authcore/express';
import { jwtRevocationCheck } from '@authcore/redis';
import express, { type NextFunction, type Request, type Response } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { openStores } from './redis.js';

const instance = process.env.INSTANCE ?? `api-${process.pid}`;
const prefix = process.env.AUTHCORE_REDIS_PREFIX ?? 'authcore:';
const stores = openStores();

const authenticator = createAuthenticator({
  schemes: [
    jwt({
      issuer: process.env.ISSUER_URL ?? 'http://127.0.0.1:4000',
      audience: 'https://api.example',
      algorithms: ['ES256'],
      discovery: true,
      // Tokens revoked at the issuer's /revoke are refused by every instance.
      isRevoked: jwtRevocationCheck(stores.revocations),
      // A DPoP proof is accepted once, on whichever instance sees it first.
      dpop: {
        replay: stores.replay,
        // The origin clients call (the load balancer's), never taken from a request's Host.
        origins: (
          process.env.AUTHCORE_PUBLIC_ORIGIN ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`
        ).split(','),
      },
    }),
    apiKey({ store: stores.apiKeys }),
  ],
});

// One limit per API key (or token subject) across every instance, kept in the same Redis.
const limiter = new RateLimiterRedis({
  storeClient: stores.redis,
  keyPrefix: `${prefix}ratelimit`,
  points: Number(process.env.RATE_LIMIT ?? 60),
  duration: 60,
  // Redis down: refuse rather than let everything through.
  rejectIfRedisNotReady: true,
});

async function rateLimit(req: Request, res: Response, next: NextFunction) {
  const principal = req.auth as AnyPrincipal;
  try {
    const r = await limiter.consume(`${principal.scheme}:${principal.id}`);
    res.set('ratelimit-remaining', String(r.remainingPoints));
    next();
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      res.set('retry-after', String(Math.ceil(error.msBeforeNext / 1000)));
      res.status(429).json({ error: 'rate_limited' });
    } else res.status(503).json({ error: 'temporarily_unavailable' });
  }
}

const app = express();
app.disable('x-powered-by');
app.get('/health', (_req, res) => {
  res.json({ status: 'ok', instance });
});

const v1 = express.Router();
v1.use(authenticate(authenticator), rateLimit);
v1.get('/me', (req, res) => {
  res.json({ instance, principal: principalToJSON(req.auth!) });
});
v1.get('/orders', requireScopes('orders:read'), (_req, res) => {
  res.json({ instance, orders: [] });
});
app.use('/v1', v1);

// Key management, for the demo: any instance can create or revoke; all see it.
const adminToken = process.env.ADMIN_TOKEN;
if (adminToken) {
  const admin = express.Router();
  admin.use(express.json(), (req, res, next) => {
    if (req.get('x-admin-token') === adminToken) next();
    else res.status(401).json({ error: 'unauthorized' });
  });
  admin.post('/keys', async (req, res) => {
    const { key, record } = await generateApiKey({
      prefix: 'sk_demo',
      owner: String(req.body?.owner ?? 'demo'),
      scopes: String(req.body?.scopes ?? 'orders:read'),
    });
    await stores.apiKeys.create(record);
    res.status(201).json({ key, id: record.id, instance });
  });
  admin.post('/keys/:id/revoke', async (req, res) => {
    const done = await stores.apiKeys.revoke(req.params.id!, Date.now());
    res.status(done ? 200 : 404).json({ revoked: done, instance });
  });
  app.use('/admin', admin);
}

app.use((_req, res) => {
  res.status(404).json({ error: 'not_found' });
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (error) => {
  if (error) throw error;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`authcore ${instance} listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void stores.close();
  });
