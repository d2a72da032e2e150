import { createServer } from 'node:http';
import type { AnyPrincipal, Authenticator, ResourceMetadataOptions } from '@authcore/core';
import { principalToJSON } from '@authcore/core';
import { authenticate, requireScopes, resourceMetadata } from '@authcore/express';
import {
  conformanceHarness,
  conformanceRoutes,
  listenOnLoopback,
  optionalBody,
} from '@authcore/testing';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';

// The conformance routes, with both ways of asking for scopes (option and guard).
function conformanceApp(
  authenticator: Authenticator<AnyPrincipal>,
  metadata: ResourceMetadataOptions,
) {
  const app = express();
  app.use(resourceMetadata(metadata));
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

let url = '';
const h = await conformanceHarness(async (authenticator, metadata) => {
  const server = await listenOnLoopback(createServer(conformanceApp(authenticator, metadata)));
  url = server.url;
  return server;
});
afterAll(() => h.close());

describe('@authcore/express passes the adapter conformance suite', () => {
  it('has the whole table', () => {
    expect(h.cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });

  it('sends the rendered error byte for byte: no charset, no ETag', async () => {
    const response = await fetch(`${url}/v1/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBeNull();
    expect(await response.text()).toBe(
      '{"error":"credentials_required","error_description":"Authentication required"}',
    );
  });
});
