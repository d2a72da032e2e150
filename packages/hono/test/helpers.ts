import type { AddressInfo } from 'node:net';
import type { Authenticator } from '@authcore/core';
import { type Principal, principalToJSON, type ResourceMetadataOptions } from '@authcore/core';
import { conformanceRoutes, optionalBody } from '@authcore/testing';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authenticate, requireScopes, resourceMetadata } from '../src/index.js';

/** The conformance contract (see `@authcore/testing`), written as a user would. */
export function conformanceApp(
  authenticator: Authenticator<Principal>,
  metadata: ResourceMetadataOptions,
) {
  return new Hono()
    .use(resourceMetadata(metadata))
    .get('/health', (c) => c.json(conformanceRoutes.health))
    .get('/v1/me', authenticate(authenticator), (c) => c.json(principalToJSON(c.var.auth)))
    .get('/v1/orders', authenticate(authenticator), requireScopes('orders:read'), (c) =>
      c.json(conformanceRoutes.orders),
    )
    .post('/v1/orders', authenticate(authenticator, { scopes: 'orders:write' }), (c) =>
      c.json(conformanceRoutes.created, 201),
    )
    .get('/v1/optional', authenticate(authenticator, { optional: true }), (c) =>
      c.json(optionalBody(c.get('auth'))),
    )
    .get('/v1/step-up', authenticate(authenticator, { acr: ['mfa'] }), (c) =>
      c.json(conformanceRoutes.stepUp),
    )
    .get('/v1/recent', authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }), (c) =>
      c.json(conformanceRoutes.recent),
    );
}

export interface Running {
  url: string;
  close(): Promise<void>;
}

/** Serves an app with `@hono/node-server` on 127.0.0.1, port 0. */
export function listen(app: { fetch: Hono['fetch'] }): Promise<Running> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1' },
      (info: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              if ('closeAllConnections' in server) server.closeAllConnections();
              server.close(() => done());
            }),
        }),
    );
  });
}
