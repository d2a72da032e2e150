import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourceMetadataHandler } from '@authcore/core';
import {
  conformanceAuthenticator,
  conformanceCases,
  conformanceResourceMetadata,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
} from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createListener } from '../src/app.js';

const issuer = await createTestIssuer();
const cases = await conformanceCases(issuer);
const server = createServer(
  createListener(
    conformanceAuthenticator(issuer),
    resourceMetadataHandler(conformanceResourceMetadata),
  ),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await issuer.close();
});

describe('node:http with the core alone passes the adapter conformance suite', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(diffConformance(c.expect, await sendConformanceRequest(baseUrl, c.request))).toEqual([]);
  });
});
