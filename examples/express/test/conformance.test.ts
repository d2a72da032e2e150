import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  conformanceAuthenticator,
  conformanceCases,
  conformanceResourceMetadata,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
} from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const issuer = await createTestIssuer();
const cases = await conformanceCases(issuer);
const server = await new Promise<Server>((resolve) => {
  const s = createApp(conformanceAuthenticator(issuer), conformanceResourceMetadata).listen(
    0,
    '127.0.0.1',
    () => resolve(s),
  );
});
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await issuer.close();
});

describe('examples/express passes the adapter conformance suite', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(diffConformance(c.expect, await sendConformanceRequest(baseUrl, c.request))).toEqual([]);
  });
});
