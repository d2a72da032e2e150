import { type AuthError, isAuthError } from '@authcore/core';
import {
  conformanceAuthenticator,
  conformanceResourceMetadata,
  createTestIssuer,
} from '@authcore/testing';
import Koa, { type Middleware } from 'koa';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuthState, authenticate, resourceMetadata } from '../src/index.js';
import { route } from './app.js';
import { listen } from './helpers.js';

const issuer = await createTestIssuer();
const authenticator = conformanceAuthenticator(issuer);
const now = Math.floor(Date.now() / 1000);
const pwd = await issuer.issueToken({ sub: 'u', acr: 'pwd', auth_time: now - 60 });
const STEP_UP =
  'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required"';

const forwarded: AuthError[] = [];
const ok: Middleware<AuthState> = (ctx) => {
  ctx.body = { ok: true };
};
const app = new Koa<AuthState>()
  .use(resourceMetadata(conformanceResourceMetadata))
  .use(
    route('GET', '/forward', authenticate(authenticator, { acr: ['mfa'], errors: 'forward' }), ok),
  )
  .use(
    route('POST', '/.well-known/oauth-protected-resource', (ctx) => {
      ctx.status = 405;
      ctx.body = { passedThrough: true };
    }),
  );
app.on('error', (error) => {
  if (isAuthError(error)) forwarded.push(error);
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
  it("forwards the refusal with its challenge in headers for Koa's default handler", async () => {
    const res = await get('/forward', pwd);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, acr_values="mfa"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(forwarded.at(-1)?.code).toBe('insufficient_user_authentication');
  });

  it('refuses malformed step-up options when built', () => {
    // @ts-expect-error a string, not a list
    expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/koa: `acr`/);
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
