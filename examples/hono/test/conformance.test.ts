import type { AddressInfo } from 'node:net';
import {
  conformanceAuthenticator,
  conformanceCases,
  conformanceResourceMetadata,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
} from '@authcore/testing';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const issuer = await createTestIssuer();
const cases = await conformanceCases(issuer);
const app = createApp(conformanceAuthenticator(issuer), conformanceResourceMetadata);
let server: ReturnType<typeof serve> | undefined;
const baseUrl = await new Promise<string>((resolve) => {
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
    resolve(`http://127.0.0.1:${info.port}`),
  );
});

afterAll(async () => {
  if (server && 'closeAllConnections' in server) server.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await issuer.close();
});

describe('examples/hono passes the adapter conformance suite', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(diffConformance(c.expect, await sendConformanceRequest(baseUrl, c.request))).toEqual([]);
  });
});
