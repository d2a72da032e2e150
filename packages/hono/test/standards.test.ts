import {
  AuthError,
  type Authenticator,
  createAuthenticator,
  jwt,
  type Principal,
  type RequestView,
} from '@authcore/core';
import {
  conformanceAuthenticator,
  conformanceResourceMetadata,
  createTestIssuer,
} from '@authcore/testing';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticate, resourceMetadata } from '../src/index.js';
import { listen } from './helpers.js';

const issuer = await createTestIssuer();
const authenticator = conformanceAuthenticator(issuer);
const now = Math.floor(Date.now() / 1000);
const pwd = await issuer.issueToken({ sub: 'u', acr: 'pwd', auth_time: now - 60 });
const STEP_UP =
  'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required"';

const forwarded: unknown[] = [];
const app = new Hono()
  .use(resourceMetadata(conformanceResourceMetadata))
  .get('/forward', authenticate(authenticator, { acr: ['mfa'], errors: 'forward' }), (c) =>
    c.json({ ok: true }),
  )
  .post('/.well-known/oauth-protected-resource', (c) => c.json({ passedThrough: true }, 405))
  .onError((err) => {
    forwarded.push(err);
    if (err instanceof HTTPException) return err.getResponse();
    throw err;
  });
const server = await listen(app);
afterAll(async () => {
  await server.close();
  await issuer.close();
});

const get = (path: string, token?: string, method = 'GET') =>
  fetch(`${server.url}${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe('step-up (RFC 9470) per route', () => {
  it('forwards an HTTPException whose cause carries the challenge in headers', async () => {
    const res = await get('/forward', pwd);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, acr_values="mfa"`);
    const cause = (forwarded.at(-1) as HTTPException).cause;
    expect(cause).toBeInstanceOf(AuthError);
    expect((cause as AuthError).code).toBe('insufficient_user_authentication');
    expect((cause as AuthError).headers).toEqual({
      'cache-control': 'no-store',
      'www-authenticate': `${STEP_UP}, acr_values="mfa"`,
    });
  });

  it('refuses malformed step-up options when built', () => {
    // @ts-expect-error a string, not a list
    expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/hono: `acr`/);
    expect(() => authenticate(authenticator, { maxAge: -1 })).toThrow(TypeError);
  });
});

describe('resourceMetadata (RFC 9728)', () => {
  // GET and HEAD on both paths are in the conformance table.
  it('lets other methods and paths through', async () => {
    const post = await get('/.well-known/oauth-protected-resource', undefined, 'POST');
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ passedThrough: true });
    expect((await get('/.well-known/oauth-protected-resource/other')).status).toBe(404);
  });
});

describe('trustProxy on the Web Request alone (Bun, Deno, workers)', () => {
  const seen: RequestView[] = [];
  const recording: Authenticator<Principal> = createAuthenticator({
    schemes: [jwt(issuer.jwtOptions())],
    onFailure: (_error, request) => seen.push(request),
  });
  const proxied = new Hono()
    .get('/', authenticate(recording), (c) => c.text('ok'))
    .get('/proxied', authenticate(recording, { trustProxy: true }), (c) => c.text('ok'));
  const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };

  it('builds the URL from X-Forwarded-* only when trusted', async () => {
    // `app.request` calls `fetch` with no `env`: the view is the fetch one, as on Bun or Deno.
    await proxied.request('http://internal:8080/?a=1', { headers });
    await proxied.request('http://internal:8080/proxied?a=1', { headers });
    expect(seen.map((r) => r.url)).toEqual([
      'http://internal:8080/?a=1',
      'https://api.example.com/proxied?a=1',
    ]);
  });
});
