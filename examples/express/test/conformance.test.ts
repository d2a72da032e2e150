import { createServer } from 'node:http';
import { conformanceHarness, listenOnLoopback } from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const h = await conformanceHarness((auth, metadata) =>
  listenOnLoopback(createServer(createApp(auth, metadata))),
);
afterAll(() => h.close());

describe('examples/express passes the adapter conformance suite', () => {
  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });
});
