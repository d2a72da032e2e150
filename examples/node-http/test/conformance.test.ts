import { createServer } from 'node:http';
import { resourceMetadataHandler } from '@authcore/core';
import { conformanceHarness, listenOnLoopback } from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createListener } from '../src/app.js';

const h = await conformanceHarness((auth, metadata) =>
  listenOnLoopback(createServer(createListener(auth, resourceMetadataHandler(metadata)))),
);
afterAll(() => h.close());

describe('node:http with the core alone passes the adapter conformance suite', () => {
  it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await h.check(c)).toEqual([]);
  });
});
