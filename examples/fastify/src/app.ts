import { type AnyPrincipal, type Authenticator, principalToJSON } from '@authcore/core';
import { authcore, type ResourceMetadataOptions, resourceMetadata } from '@authcore/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The example API: the same routes and answers as every other authcore example, plus the RFC 9728
 * metadata document (`/.well-known/oauth-protected-resource`) when its options are given.
 * Every route is authenticated by the plugin unless its `config.auth` says otherwise.
 */
export function buildApp(
  authenticator: Authenticator<AnyPrincipal>,
  metadata?: ResourceMetadataOptions,
): FastifyInstance {
  const app = Fastify();
  app.register(authcore, { authenticator });
  if (metadata) app.register(resourceMetadata(metadata));

  app.get('/health', { config: { auth: false } }, async () => ({ status: 'ok' }));
  app.get('/v1/me', async (request) => principalToJSON(request.auth!));
  app.get('/v1/orders', { config: { auth: { scopes: 'orders:read' } } }, async () => ({
    orders: [],
  }));
  app.post(
    '/v1/orders',
    { config: { auth: { scopes: 'orders:write' } } },
    async (_request, reply) => reply.code(201).send({ created: true }),
  );
  app.get('/v1/optional', { config: { auth: { optional: true } } }, async (request) =>
    request.auth
      ? { authenticated: true, principal: principalToJSON(request.auth) }
      : { authenticated: false },
  );
  // Step-up (RFC 9470): only a user who signed in with MFA; others get a 401 with acr_values.
  app.get('/v1/step-up', { config: { auth: { acr: ['mfa'] } } }, async () => ({ stepUp: true }));
  app.get('/v1/recent', { config: { auth: { acr: ['mfa'], maxAge: 300 } } }, async () => ({
    recent: true,
  }));
  return app;
}
