import { type AuthError, isAuthError } from '@authcore/core';
import { authenticate, resourceMetadata } from '@authcore/express';
import { conformanceAuthenticator, createTestIssuer } from '@authcore/testing';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { listen } from './helpers.js';

const issuer = await createTestIssuer();
const authenticator = conformanceAuthenticator(issuer);
const now = Math.floor(Date.now() / 1000);
const mfa = await issuer.issueToken({ sub: 'u', acr: 'mfa', auth_time: now - 60 });
const pwd = await issuer.issueToken({ sub: 'u', acr: 'pwd', auth_time: now - 60 });
const stale = await issuer.issueToken({ sub: 'u', acr: 'mfa', auth_time: now - 3600 });
const STEP_UP =
  'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required"';
const DOCUMENT =
  '{"resource":"https://api.test/v1","authorization_servers":["https://issuer.test"],"scopes_supported":["orders:read"],"bearer_methods_supported":["header"]}';

const forwarded: AuthError[] = [];
const ok = (_req: express.Request, res: express.Response) => {
  res.json({ ok: true });
};
const app = express();
app.use(
  resourceMetadata({
    resource: 'https://api.test/v1',
    authorizationServers: ['https://issuer.test'],
    scopesSupported: ['orders:read'],
  }),
);
app.get('/step-up', authenticate(authenticator, { acr: ['mfa'] }), ok);
app.get('/recent', authenticate(authenticator, { acr: ['mfa'], maxAge: 300 }), ok);
app.get('/forward', authenticate(authenticator, { acr: ['mfa'], errors: 'forward' }), ok);
app.post('/.well-known/oauth-protected-resource', (_req, res) => {
  res.status(405).json({ passedThrough: true });
});
const onError: ErrorRequestHandler = (error, _req, _res, next) => {
  if (isAuthError(error)) forwarded.push(error);
  next(error);
};
app.use(onError);
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
  it('lets an acr it accepts through', async () => {
    expect((await get('/step-up', mfa)).status).toBe(200);
    expect((await get('/recent', mfa)).status).toBe(200);
  });

  it('answers 401 insufficient_user_authentication with acr_values', async () => {
    for (const token of [pwd, await issuer.issueToken({ sub: 'u' })]) {
      const res = await get('/step-up', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, acr_values="mfa"`);
      expect(await res.json()).toEqual({
        error: 'insufficient_user_authentication',
        error_description: 'Stronger user authentication is required',
      });
    }
  });

  it('asks for max_age when the authentication is too old', async () => {
    const res = await get('/recent', stale);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, max_age="300"`);
  });

  it('forwards the refusal with its challenge in headers for the default handler', async () => {
    const res = await get('/forward', pwd);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, acr_values="mfa"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(forwarded.at(-1)?.code).toBe('insufficient_user_authentication');
    expect(forwarded.at(-1)?.headers['www-authenticate']).toBe(`${STEP_UP}, acr_values="mfa"`);
  });

  it('refuses malformed step-up options when built', () => {
    // @ts-expect-error a string, not a list
    expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/express: `acr`/);
    expect(() => authenticate(authenticator, { maxAge: -1 })).toThrow(TypeError);
  });
});

describe('resourceMetadata (RFC 9728)', () => {
  it('serves the document exactly at the well-known path and its suffixed form', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/v1',
    ]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('cache-control')).toBe('max-age=3600');
      expect(await res.text()).toBe(DOCUMENT);
    }
  });

  it('answers HEAD without a body and lets other methods and paths through', async () => {
    const head = await get('/.well-known/oauth-protected-resource', undefined, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get('/.well-known/oauth-protected-resource', undefined, 'POST');
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ passedThrough: true });
    expect((await get('/.well-known/oauth-protected-resource/other')).status).toBe(404);
  });
});
