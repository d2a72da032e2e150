import { authcore, authenticate, resourceMetadata } from '@authcore/fastify';
import {
  conformanceAuthenticator,
  diffForwarded,
  standardsHarness,
  standardsRoutes,
} from '@authcore/testing';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';

const forwarded: unknown[] = [];
// The plugin protects every route; the metadata routes stay public.
const h = await standardsHarness(async (authenticator, metadata) => {
  const app = Fastify();
  app.register(authcore, { authenticator });
  app.register(resourceMetadata(metadata));
  app.get('/forward', { config: { auth: standardsRoutes.forward } }, async () => '');
  app.post('/.well-known/oauth-protected-resource', { config: { auth: false } }, (_, reply) =>
    reply.code(405).send(standardsRoutes.passedThrough),
  );
  app.addHook('onError', async (_request, _reply, error) => {
    forwarded.push(error);
  });
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), close: () => app.close() };
});
afterAll(() => h.close());

it.each(h.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
  expect(await h.check(c)).toEqual([]);
});

it("hands the refusal to Fastify's error handler with its challenge in headers", () => {
  expect(forwarded).toHaveLength(1);
  expect(diffForwarded(forwarded[0])).toEqual([]);
});

it('refuses malformed step-up options when built', async () => {
  const authenticator = conformanceAuthenticator(h.issuer);
  // @ts-expect-error a string, not a list
  expect(() => authenticate(authenticator, { acr: 'mfa' })).toThrow(/@authcore\/fastify: `acr`/);
  const bad = Fastify();
  bad.register(authcore, { authenticator, maxAge: -1 });
  await expect(bad.ready()).rejects.toThrow(/`maxAge`/);
  await bad.close();
});

describe('resourceMetadata (RFC 9728) alone', () => {
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
