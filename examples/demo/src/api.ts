import {
  type ApiKeyStore,
  apiKey,
  createAuthenticator,
  jwt,
  principalToJSON,
} from '@authcore/core';
import { authenticate, requireScopes } from '@authcore/express';
import express, { type Express } from 'express';

export interface DemoApiOptions {
  issuerUrl: string;
  audience: string;
  jwksUri: string;
  /** API keys (`X-API-Key`), with the `sk_demo` prefix. */
  apiKeys: ApiKeyStore;
  /** Whether a token id was revoked at the issuer (a reused refresh token revokes its family). */
  isRevoked: (jti: string) => Promise<boolean>;
}

/** The protected API: JWTs from the demo issuer or API keys, scopes per route. */
export function createDemoApi(options: DemoApiOptions): Express {
  const authenticator = createAuthenticator({
    schemes: [
      jwt({
        issuer: options.issuerUrl,
        audience: options.audience,
        algorithms: ['ES256'],
        jwksUri: options.jwksUri,
        // Verified locally, and checked against the issuer's revocations (shared in-process here;
        // across processes, share its revocation store or use introspection).
        isRevoked: (principal) => {
          const jti = principal.claims.jti;
          return typeof jti === 'string' && options.isRevoked(jti);
        },
      }),
      apiKey({ store: options.apiKeys, prefixes: ['sk_demo'] }),
    ],
  });

  const orders: { id: number; item: string; createdBy: string }[] = [];
  const app = express();
  app.disable('x-powered-by');

  app.get('/', (_req, res) => {
    res.json({
      routes: {
        'GET /v1/me': 'any valid credential',
        'GET /v1/orders': 'orders:read',
        'POST /v1/orders': 'orders:write',
        'GET /v1/admin': 'orders:admin (no demo client may get it: a 403)',
      },
    });
  });

  const v1 = express.Router();
  v1.use(authenticate(authenticator));
  v1.get('/me', (req, res) => {
    res.json(principalToJSON(req.auth!));
  });
  v1.get('/orders', requireScopes('orders:read'), (_req, res) => {
    res.json({ orders });
  });
  v1.post('/orders', requireScopes('orders:write'), (req, res) => {
    const order = { id: orders.length + 1, item: 'coffee beans', createdBy: req.auth!.id };
    orders.push(order);
    res.status(201).json(order);
  });
  v1.get('/admin', requireScopes('orders:admin'), (_req, res) => {
    res.json({ admin: true });
  });
  app.use('/v1', v1);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}
