import {
  type ConformanceCase,
  conformanceAuthenticator,
  conformanceCases,
  conformanceResourceMetadata,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
  type TestIssuer,
} from '@authcore/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

// it.each needs the table when the file is collected, so the issuer is created at top level.
const issuer: TestIssuer = await createTestIssuer();
const cases: ConformanceCase[] = await conformanceCases(issuer);
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  app = buildApp(conformanceAuthenticator(issuer), conformanceResourceMetadata);
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await issuer.close();
});

describe('examples/fastify passes the adapter conformance suite', () => {
  it('has the whole table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(diffConformance(c.expect, await sendConformanceRequest(baseUrl, c.request))).toEqual([]);
  });
});
