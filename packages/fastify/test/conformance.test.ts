import type { AnyPrincipal, Authenticator, ResourceMetadataOptions } from '@authcore/core';
import { principalToJSON } from '@authcore/core';
import { authcore, authenticate, requireScopes, resourceMetadata } from '@authcore/fastify';
import { conformanceHarness, conformanceRoutes, optionalBody } from '@authcore/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';

type Build = (a: Authenticator<AnyPrincipal>, metadata: ResourceMetadataOptions) => FastifyInstance;

// The conformance contract with the plugin and route `config.auth`.
const withPlugin: Build = (authenticator, metadata) => {
  const app = Fastify();
  app.register(authcore, { authenticator });
  app.register(resourceMetadata(metadata));
  app.get('/health', { config: { auth: false } }, async () => conformanceRoutes.health);
  app.get('/v1/me', async (request) => principalToJSON(request.auth!));
  app.get(
    '/v1/orders',
    { config: { auth: { scopes: 'orders:read' } } },
    async () => conformanceRoutes.orders,
  );
  app.post('/v1/orders', { config: { auth: { scopes: ['orders:write'] } } }, async (_, reply) =>
    reply.code(201).send(conformanceRoutes.created),
  );
  app.get('/v1/optional', { config: { auth: { optional: true } } }, async (request) =>
    optionalBody(request.auth),
  );
  app.get(
    '/v1/step-up',
    { config: { auth: { acr: ['mfa'] } } },
    async () => conformanceRoutes.stepUp,
  );
  app.get(
    '/v1/recent',
    { config: { auth: { acr: ['mfa'], maxAge: 300 } } },
    async () => conformanceRoutes.recent,
  );
  return app;
};

// The same contract with explicit hooks and no plugin.
const withHooks: Build = (authenticator, metadata) => {
  const app = Fastify();
  const required = authenticate(authenticator);
  app.register(resourceMetadata(metadata));
  app.get('/health', async () => conformanceRoutes.health);
  app.get('/v1/me', { onRequest: required }, async (request) => principalToJSON(request.auth!));
  app.get(
    '/v1/orders',
    { onRequest: required, preHandler: requireScopes('orders:read') },
    async () => conformanceRoutes.orders,
  );
  app.post(
    '/v1/orders',
    { onRequest: authenticate(authenticator, { scopes: 'orders:write' }) },
    async (_, reply) => reply.code(201).send(conformanceRoutes.created),
  );
  app.get(
    '/v1/optional',
    { onRequest: authenticate(authenticator, { optional: true }) },
    async (request) => optionalBody(request.auth),
  );
  app.get(
    '/v1/step-up',
    { onRequest: authenticate(authenticator, { acr: ['mfa'] }) },
    async () => conformanceRoutes.stepUp,
  );
  app.get(
    '/v1/recent',
    { onRequest: authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }) },
    async () => conformanceRoutes.recent,
  );
  return app;
};

const harness = (build: Build) =>
  conformanceHarness(async (authenticator, metadata) => {
    const app = build(authenticator, metadata);
    return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() };
  });
const harnesses = {
  'the authcore plugin with route config': await harness(withPlugin),
  'explicit authenticate / requireScopes hooks': await harness(withHooks),
};
afterAll(async () => {
  for (const h of Object.values(harnesses)) await h.close();
});

describe.each(Object.entries(harnesses))('@authcore/fastify conformance: %s', (_, h) => {
  it('has the whole table of cases', () => {
    expect(h.cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c), c.name).toEqual([]);
  });
});
