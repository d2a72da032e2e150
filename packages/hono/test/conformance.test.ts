import { conformanceHarness } from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceApp, listen } from './helpers.js';

const servers = {
  // `c.env.incoming` present: the view reads Node's rawHeaders.
  'on @hono/node-server': await conformanceHarness((authenticator, metadata) =>
    listen(conformanceApp(authenticator, metadata)),
  ),
  // No `env`, as on Bun, Deno or a worker: the view reads the Web Request's merged headers.
  'with only the Web Request': await conformanceHarness((authenticator, metadata) => {
    const app = conformanceApp(authenticator, metadata);
    return listen({ fetch: (request: Request) => app.fetch(request) });
  }),
};
afterAll(async () => {
  for (const h of Object.values(servers)) await h.close();
});

describe.each(Object.entries(servers))('@authcore/hono %s passes the conformance suite', (_, h) => {
  it('has the whole table', () => {
    expect(h.cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });
});
