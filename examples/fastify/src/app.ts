import {
  type AnyPrincipal,
  type Authenticator,
  type MetadataResponse,
  principalToJSON,
} from '@authcore/core';
import { authcore } from '@authcore/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The example API: the same routes and answers as every other authcore example, plus the RFC 9728
 * metadata document (`/.well-known/oauth-protected-resource`) when `resourceMetadata` is given.
 * Every route is authenticated by the plugin unless its `config.auth` says otherwise.
 */
export function buildApp(
  authenticator: Authenticator<AnyPrincipal>,
  resourceMetadata?: (method: string, path: string) => MetadataResponse | undefined,
): FastifyInstance {
  const app = Fastify();
  app.register(authcore, { authenticator });

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

  app.get('/.well-known/*', { config: { auth: false } }, async (request, reply) => {
    const metadata = resourceMetadata?.(request.method, request.url.split('?')[0] ?? '/');
    if (!metadata) return reply.callNotFound();
    return reply.code(metadata.status).headers(metadata.headers).send(Buffer.from(metadata.body));
  });
  return app;
}
