import type { Server } from 'node:http';
import { conformanceHarness, listenOnLoopback } from '@authcore/testing';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const h = await conformanceHarness((auth, metadata) =>
  listenOnLoopback(createAdaptorServer({ fetch: createApp(auth, metadata).fetch }) as Server),
);
afterAll(() => h.close());

describe('examples/hono passes the adapter conformance suite', () => {
  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });
});
