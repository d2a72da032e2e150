import { createServer } from 'node:http';
import {
  conformanceAuthenticator,
  diffForwarded,
  listenOnLoopback,
  standardsHarness,
  standardsRoutes,
} from '@authcore/testing';
import Koa from 'koa';
import { afterAll, expect, it } from 'vitest';
import { type AuthState, authenticate, resourceMetadata } from '../src/index.js';
import { route } from './app.js';

const forwarded: unknown[] = [];
const h = await standardsHarness((authenticator, metadata) => {
  const app = new Koa<AuthState>()
    .use(resourceMetadata(metadata))
    .use(
      route('GET', '/forward', authenticate(authenticator, standardsRoutes.forward), (ctx) => {
        ctx.body = '';
      }),
    )
    .use(
      route('POST', '/.well-known/oauth-protected-resource', (ctx) => {
        ctx.status = 405;
        ctx.body = standardsRoutes.passedThrough;
      }),
    );
  app.on('error', (error) => forwarded.push(error));
  return listenOnLoopback(createServer(app.callback()));
});
afterAll(() => h.close());

it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
  expect(await h.check(c)).toEqual([]);
});

it("throws the refusal to Koa's error path with its challenge in headers", () => {
  expect(forwarded).toHaveLength(1);
  expect(diffForwarded(forwarded[0])).toEqual([]);
});

it('refuses malformed step-up options when built', () => {
  const authenticator = conformanceAuthenticator(h.issuer);
  // @ts-expect-error a string, not a list
  expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/koa: `acr`/);
  expect(() => authenticate(authenticator, { maxAge: -1 })).toThrow(TypeError);
});
