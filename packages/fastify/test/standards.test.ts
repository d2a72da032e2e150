import { type AuthError, isAuthError } from '@authcore/core';
import { authcore, authenticate, resourceMetadata } from '@authcore/fastify';
import { conformanceAuthenticator, createTestIssuer } from '@authcore/testing';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';

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
const ok = async () => ({ ok: true });
// The plugin protects every route; the metadata routes stay public.
const app = Fastify();
app.register(authcore, { authenticator });
app.register(
  resourceMetadata({
    resource: 'https://api.test/v1',
    authorizationServers: ['https://issuer.test'],
    scopesSupported: ['orders:read'],
  }),
);
app.get('/step-up', { config: { auth: { acr: ['mfa'] } } }, ok);
app.get('/recent', { config: { auth: { acr: ['mfa'], maxAge: 300 } } }, ok);
app.get(
  '/hook',
  { config: { auth: false }, onRequest: authenticate(authenticator, { acr: ['mfa'] }) },
  ok,
);
app.get('/forward', { config: { auth: { acr: ['mfa'], errors: 'forward' } } }, ok);
app.post('/.well-known/oauth-protected-resource', { config: { auth: false } }, async (_, reply) =>
  reply.code(405).send({ passedThrough: true }),
);
app.addHook('onError', async (_request, _reply, error) => {
  if (isAuthError(error)) forwarded.push(error);
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
afterAll(async () => {
  await app.close();
  await issuer.close();
});

const get = (path: string, token?: string, method = 'GET') =>
  fetch(`${url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('step-up (RFC 9470) per route', () => {
  it('lets an acr it accepts through (route config.auth and explicit hook)', async () => {
    for (const path of ['/step-up', '/recent', '/hook'])
      expect((await get(path, mfa)).status).toBe(200);
  });

  it('answers 401 insufficient_user_authentication with acr_values', async () => {
    for (const path of ['/step-up', '/hook']) {
      for (const token of [pwd, await issuer.issueToken({ sub: 'u' })]) {
        const res = await get(path, token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, acr_values="mfa"`);
        expect(await res.json()).toEqual({
          error: 'insufficient_user_authentication',
          error_description: 'Stronger user authentication is required',
        });
      }
    }
  });

  it('asks for max_age when the authentication is too old', async () => {
    const res = await get('/recent', stale);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, max_age="300"`);
  });

  it("forwards the refusal with its challenge in headers for Fastify's default handler", async () => {
    const res = await get('/forward', pwd);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${STEP_UP}, acr_values="mfa"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await res.json()).code).toBe('insufficient_user_authentication');
    expect(forwarded.at(-1)?.code).toBe('insufficient_user_authentication');
  });

  it('refuses malformed step-up options when built', async () => {
    // @ts-expect-error a string, not a list
    expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/fastify: `acr`/);
    const bad = Fastify();
    bad.register(authcore, { authenticator, maxAge: -1 });
    await expect(bad.ready()).rejects.toThrow(/`maxAge`/);
    await bad.close();
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

  it('needs no authcore plugin, and a resource at the root has one path', async () => {
    const bare = Fastify();
    bare.register(resourceMetadata({ resource: 'https://api.test' }));
    await bare.ready();
    const res = await bare.inject('/.well-known/oauth-protected-resource');
    expect(res.body).toBe('{"resource":"https://api.test","bearer_methods_supported":["header"]}');
    expect(
      (await bare.inject({ method: 'DELETE', url: '/.well-known/oauth-protected-resource' }))
        .statusCode,
    ).toBe(404);
    await bare.close();
  });
});
