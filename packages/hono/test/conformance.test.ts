import {
  type ConformanceAuthenticator,
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
// One authenticator per server: each has its own DPoP replay store, as the table expects.
const node = conformanceAuthenticator(issuer);
const web = conformanceAuthenticator(issuer);
const webApp = conformanceApp(web);
const servers: Record<string, [Running, ConformanceAuthenticator]> = {
  // `c.env.incoming` present: the view reads Node's rawHeaders.
  'on @hono/node-server': [await listen(conformanceApp(node)), node],
  // No `env`, as on Bun, Deno or a worker: the view reads the Web Request's merged headers.
  'with only the Web Request': [
    await listen({ fetch: (request: Request) => webApp.fetch(request) }),
    web,
  ],
};

afterAll(async () => {
  for (const [server] of Object.values(servers)) await server.close();
  await issuer.close();
});

describe.each(Object.entries(servers))(
  '@authcore/hono %s passes the conformance suite',
  (_, [server, authenticator]) => {
    it('has the whole table', () => {
      expect(cases.length).toBeGreaterThanOrEqual(25);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      authenticator.takeReasons();
      const response = await sendConformanceRequest(server.url, c.request);
      expect(diffConformance(c.expect, response, authenticator.takeReasons())).toEqual([]);
    });
  },
);
