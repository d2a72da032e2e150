import { createServer } from 'node:http';
import { conformanceHarness, listenOnLoopback } from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceApp } from './app.js';

const h = await conformanceHarness((authenticator, metadata) =>
  listenOnLoopback(createServer(conformanceApp(authenticator, metadata).callback())),
);
afterAll(() => h.close());

describe('@authcore/koa passes the adapter conformance suite', () => {
  it('has the whole table', () => {
    expect(h.cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });
});
