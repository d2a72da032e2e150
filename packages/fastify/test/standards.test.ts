import { type AuthError, isAuthError } from '@authcore/core';
import { authcore, authenticate, resourceMetadata } from '@authcore/fastify';
import {
  conformanceAuthenticator,
  conformanceResourceMetadata,
  createTestIssuer,
} from '@authcore/testing';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';

const issuer = await createTestIssuer();
const authenticator = conformanceAuthenticator(issuer);
const now = Math.floor(Date.now() / 1000);
const pwd = await issuer.issueToken({ sub: 'u', acr: 'pwd', auth_time: now - 60 });
const STEP_UP =
  'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required"';

const forwarded: AuthError[] = [];
const ok = async () => ({ ok: true });
// The plugin protects every route; the metadata routes stay public.
const app = Fastify();
app.register(authcore, { authenticator });
app.register(resourceMetadata(conformanceResourceMetadata));
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
  // GET and HEAD on both paths are in the conformance table.
  it('lets other methods and paths through', async () => {
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
