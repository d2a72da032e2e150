import { type AnyPrincipal, type Authenticator, principalToJSON } from '@authcore/core';
import {
  authenticate,
  type ResourceMetadataOptions,
  requireScopes,
  resourceMetadata,
} from '@authcore/express';
import express, { type Express } from 'express';

/** The example contract on Express 5: the principal is on `req.auth`, typed, no casts. */
export function createApp(
  authenticator: Authenticator<AnyPrincipal>,
  metadata?: ResourceMetadataOptions,
): Express {
  const app = express();
  app.disable('x-powered-by');

  // RFC 9728 Protected Resource Metadata, which the 401 challenges point to.
  if (metadata) app.use(resourceMetadata(metadata));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Every /v1 route needs a principal, except /v1/optional which is declared first.
  app.get('/v1/optional', authenticate(authenticator, { optional: true }), (req, res) => {
    res.json(
      req.auth
        ? { authenticated: true, principal: principalToJSON(req.auth) }
        : { authenticated: false },
    );
  });

  // Step-up (RFC 9470): only a user who signed in with MFA; others get a 401 with acr_values.
  app.get('/v1/step-up', authenticate(authenticator, { acr: ['mfa'] }), (_req, res) => {
    res.json({ stepUp: true });
  });
  app.get('/v1/recent', authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }), (_req, res) => {
    res.json({ recent: true });
  });

  const v1 = express.Router();
  v1.use(authenticate(authenticator));
  v1.get('/me', (req, res) => {
    res.json(principalToJSON(req.auth!));
  });
  v1.get('/orders', requireScopes('orders:read'), (_req, res) => {
    res.json({ orders: [] });
  });
  v1.post('/orders', requireScopes('orders:write'), (_req, res) => {
    res.status(201).json({ created: true });
  });
  app.use('/v1', v1);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}
