import {
  type ConformanceCase,
  conformanceAuthenticator,
  conformanceCases,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
  type TestIssuer,
} from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceApp, listen, type Running } from './helpers.js';

// The cases are minted before the suite is collected, so each one is its own `it`.
const issuer: TestIssuer = await createTestIssuer();
const cases: ConformanceCase[] = await conformanceCases(issuer);
const app = conformanceApp(conformanceAuthenticator(issuer));
const servers: Record<string, Running> = {
  // `c.env.incoming` present: the view reads Node's rawHeaders.
  'on @hono/node-server': await listen(app),
  // No `env`, as on Bun, Deno or a worker: the view reads the Web Request's merged headers.
  'with only the Web Request': await listen({ fetch: (request: Request) => app.fetch(request) }),
};

afterAll(async () => {
  for (const server of Object.values(servers)) await server.close();
  await issuer.close();
});

describe.each(Object.entries(servers))(
  '@authcore/hono %s passes the conformance suite',
  (_, server) => {
    it('has the whole table', () => {
      expect(cases.length).toBeGreaterThanOrEqual(25);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      expect(
        diffConformance(c.expect, await sendConformanceRequest(server.url, c.request)),
      ).toEqual([]);
    });
  },
);
