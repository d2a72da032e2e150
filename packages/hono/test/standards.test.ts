import { type Authenticator, createAuthenticator, jwt, type Principal } from '@authcore/core';
import {
  conformanceAuthenticator,
  diffForwarded,
  standardsHarness,
  standardsRoutes,
} from '@authcore/testing';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticate, resourceMetadata } from '../src/index.js';
import { listen } from './helpers.js';

const forwarded: unknown[] = [];
const h = await standardsHarness((authenticator, metadata) =>
  listen(
    new Hono()
      .use(resourceMetadata(metadata))
      .get('/forward', authenticate(authenticator, standardsRoutes.forward), (c) => c.body(null))
      .post('/.well-known/oauth-protected-resource', (c) =>
        c.json(standardsRoutes.passedThrough, 405),
      )
      .onError((err) => {
        forwarded.push(err);
        if (err instanceof HTTPException) return err.getResponse();
        throw err;
      }),
  ),
);
afterAll(() => h.close());

it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
  expect(await h.check(c)).toEqual([]);
});

it('throws an HTTPException whose cause is the AuthError with its challenge in headers', () => {
  expect(forwarded).toHaveLength(1);
  expect(forwarded[0]).toBeInstanceOf(HTTPException);
  expect(diffForwarded((forwarded[0] as HTTPException).cause)).toEqual([]);
});

it('refuses malformed step-up options when built', () => {
  const authenticator = conformanceAuthenticator(h.issuer);
  // @ts-expect-error a string, not a list
  expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/hono: `acr`/);
  expect(() => authenticate(authenticator, { maxAge: -1 })).toThrow(TypeError);
});

describe('trustProxy on the Web Request alone (Bun, Deno, workers)', () => {
  const seen: string[] = [];
  const recording: Authenticator<Principal> = createAuthenticator({
    schemes: [jwt(h.issuer.jwtOptions())],
    onFailure: (_error, request) => seen.push(request.url),
  });
  const proxied = new Hono()
    .get('/', authenticate(recording), (c) => c.text('ok'))
    .get('/proxied', authenticate(recording, { trustProxy: true }), (c) => c.text('ok'));
  const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };

  it('builds the URL from X-Forwarded-* only when trusted', async () => {
    // `app.request` calls `fetch` with no `env`: the view is the fetch one, as on Bun or Deno.
    await proxied.request('http://internal:8080/?a=1', { headers });
    await proxied.request('http://internal:8080/proxied?a=1', { headers });
    expect(seen).toEqual(['http://internal:8080/?a=1', 'https://api.example.com/proxied?a=1']);
  });
});
