import type { AnyPrincipal, Authenticator } from '@authcore/core';
import { principalToJSON } from '@authcore/core';
import { authenticate, requireScopes, resourceMetadata } from '@authcore/express';
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
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from './helpers.js';

// The conformance routes, with both ways of asking for scopes (option and guard).
function conformanceApp(authenticator: Authenticator<AnyPrincipal>) {
  const app = express();
  app.use(resourceMetadata(conformanceResourceMetadata));
  app.get('/health', (_req, res) => {
    res.json(conformanceRoutes.health);
  });
  app.get('/v1/me', authenticate(authenticator), (req, res) => {
    res.json(principalToJSON(req.auth!));
  });
  app.get('/v1/orders', authenticate(authenticator, { scopes: 'orders:read' }), (_req, res) => {
    res.json(conformanceRoutes.orders);
  });
  app.post(
    '/v1/orders',
    authenticate(authenticator),
    requireScopes('orders:write'),
    (_req, res) => {
      res.status(201).json(conformanceRoutes.created);
    },
  );
  app.get('/v1/optional', authenticate(authenticator, { optional: true }), (req, res) => {
    res.json(optionalBody(req.auth));
  });
  app.get('/v1/step-up', authenticate(authenticator, { acr: ['mfa'] }), (_req, res) => {
    res.json(conformanceRoutes.stepUp);
  });
  app.get('/v1/recent', authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }), (_req, res) => {
    res.json(conformanceRoutes.recent);
  });
  return app;
}

// it.each needs the table when the file is collected, so the issuer is created at top level.
const issuer: TestIssuer = await createTestIssuer();
let server: Awaited<ReturnType<typeof listen>>;
const cases: ConformanceCase[] = await conformanceCases(issuer);
const authenticator = conformanceAuthenticator(issuer);

beforeAll(async () => {
  server = await listen(conformanceApp(authenticator));
});
afterAll(async () => {
  await server?.close();
  await issuer.close();
});

describe('@authcore/express passes the adapter conformance suite', () => {
  it('has the whole table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    authenticator.takeReasons();
    const response = await sendConformanceRequest(server.url, c.request);
    expect(diffConformance(c.expect, response, authenticator.takeReasons())).toEqual([]);
  });

  it('sends the rendered error byte for byte: no charset, no ETag', async () => {
    const response = await fetch(`${server.url}/v1/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    expect(await response.text()).toBe(
      '{"error":"credentials_required","error_description":"Authentication required"}',
    );
  });
});
