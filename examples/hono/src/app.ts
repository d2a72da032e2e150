import { type Authenticator, type Principal, principalToJSON } from '@authcore/core';
import {
  authenticate,
  type ResourceMetadataOptions,
  requireScopes,
  resourceMetadata,
} from '@authcore/hono';
import { Hono } from 'hono';

/**
 * The example API: the same routes and answers as every other authcore example, plus the RFC 9728
 * metadata document (`/.well-known/oauth-protected-resource`) when its options are given.
 */
export function createApp(
  authenticator: Authenticator<Principal>,
  metadata?: ResourceMetadataOptions,
) {
  const required = authenticate(authenticator);
  const app = new Hono();
  if (metadata) app.use(resourceMetadata(metadata));
  return (
    app
      .get('/health', (c) => c.json({ status: 'ok' }))
      .get('/v1/me', required, (c) => c.json(principalToJSON(c.var.auth)))
      .get('/v1/orders', required, requireScopes('orders:read'), (c) => c.json({ orders: [] }))
      .post('/v1/orders', required, requireScopes('orders:write'), (c) =>
        c.json({ created: true }, 201),
      )
      .get('/v1/optional', authenticate(authenticator, { optional: true }), (c) => {
        const principal = c.get('auth');
        return c.json(
          principal
            ? { authenticated: true, principal: principalToJSON(principal) }
            : { authenticated: false },
        );
      })
      // Step-up (RFC 9470): only a user who signed in with MFA; others get a 401 with acr_values.
      .get('/v1/step-up', authenticate(authenticator, { acr: ['mfa'] }), (c) =>
        c.json({ stepUp: true }),
      )
      .get('/v1/recent', authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }), (c) =>
        c.json({ recent: true }),
      )
      .notFound((c) => c.json({ error: 'not_found' }, 404))
  );
}
