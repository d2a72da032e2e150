import { createServer } from 'node:http';
import { authenticate, resourceMetadata } from '@authcore/express';
import {
  conformanceAuthenticator,
  diffForwarded,
  listenOnLoopback,
  standardsHarness,
  standardsRoutes,
} from '@authcore/testing';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, expect, it } from 'vitest';

const forwarded: unknown[] = [];
const h = await standardsHarness((authenticator, metadata) => {
  const app = express();
  app.use(resourceMetadata(metadata));
  app.get('/forward', authenticate(authenticator, standardsRoutes.forward), (_req, res) => {
    res.end();
  });
  app.post('/.well-known/oauth-protected-resource', (_req, res) => {
    res.status(405).json(standardsRoutes.passedThrough);
  });
  const record: ErrorRequestHandler = (error, _req, _res, next) => {
    forwarded.push(error);
    next(error);
  };
  app.use(record);
  return listenOnLoopback(createServer(app));
});
afterAll(() => h.close());

it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
  expect(await h.check(c)).toEqual([]);
});

it("hands the refusal to Express's error path with its challenge in headers", () => {
  expect(forwarded).toHaveLength(1);
  expect(diffForwarded(forwarded[0])).toEqual([]);
});

it('refuses malformed step-up options when built', () => {
  const authenticator = conformanceAuthenticator(h.issuer);
  // @ts-expect-error a string, not a list
  expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/express: `acr`/);
  expect(() => authenticate(authenticator, { maxAge: -1 })).toThrow(TypeError);
});
