import { conformanceHarness } from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

const h = await conformanceHarness(async (auth, metadata) => {
  const app = buildApp(auth, metadata);
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() };
});
afterAll(() => h.close());

describe('examples/fastify passes the adapter conformance suite', () => {
  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });
});
