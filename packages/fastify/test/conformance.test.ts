import { principalToJSON } from '@authcore/core';
import { authcore, authenticate, requireScopes, resourceMetadata } from '@authcore/fastify';
import {
  type ConformanceCase,
  conformanceAuthenticator,
  conformanceCases,
  conformanceResourceMetadata,
  conformanceRoutes,
  createTestIssuer,
  diffConformance,
  optionalBody,
  sendConformanceRequest,
  type TestIssuer,
} from '@authcore/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Authenticator = ReturnType<typeof conformanceAuthenticator>;

// The conformance contract with the plugin and route `config.auth`.
function withPlugin(authenticator: Authenticator): FastifyInstance {
  const app = Fastify();
  app.register(authcore, { authenticator });
  app.register(resourceMetadata(conformanceResourceMetadata));
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
}

// The same contract with explicit hooks and no plugin.
function withHooks(authenticator: Authenticator): FastifyInstance {
  const app = Fastify();
  const required = authenticate(authenticator);
  app.register(resourceMetadata(conformanceResourceMetadata));
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
}

// it.each needs the table when the file is collected, so the issuer is created at top level.
const issuer: TestIssuer = await createTestIssuer();
const cases: ConformanceCase[] = await conformanceCases(issuer);
const apps: FastifyInstance[] = [];

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await issuer.close();
});

describe.each([
  ['the authcore plugin with route config', withPlugin],
  ['explicit authenticate / requireScopes hooks', withHooks],
])('@authcore/fastify conformance: %s', (_, build) => {
  let baseUrl: string;
  const authenticator = conformanceAuthenticator(issuer);
  beforeAll(async () => {
    const app = build(authenticator);
    apps.push(app);
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  it('has the whole table of cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    authenticator.takeReasons();
    const response = await sendConformanceRequest(baseUrl, c.request);
    expect(diffConformance(c.expect, response, authenticator.takeReasons()), c.name).toEqual([]);
  });
});
