import {
  AuthError,
  apiKey,
  createAuthenticator,
  isAuthError,
  jwt,
  type RequestView,
} from '@authcore/core';
import { authcore, authenticate, requireScopes } from '@authcore/fastify';
import { createTestIssuer, type TestIssuer } from '@authcore/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let issuer: TestIssuer;
let authenticator: ReturnType<typeof makeAuthenticator>;
let reader: string;
let writer: string;
let seen: RequestView[];
let forwarded: unknown[];
const apps: FastifyInstance[] = [];

const INSUFFICIENT = 'The access token does not have the required scope';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ok = async () => ({ ok: true });

function makeAuthenticator(issuer: TestIssuer) {
  return createAuthenticator({
    schemes: [jwt(issuer.jwtOptions()), apiKey({ store: issuer.apiKeyStore })],
    onFailure: (_error, request) => {
      seen.push(request);
    },
  });
}

async function start(app: FastifyInstance) {
  apps.push(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
}

beforeAll(async () => {
  issuer = await createTestIssuer();
  authenticator = makeAuthenticator(issuer);
  reader = await issuer.issueToken({ sub: 'reader', scope: 'orders:read' });
  writer = await issuer.issueToken({ sub: 'writer', scope: 'orders:write' });
});
beforeEach(() => {
  seen = [];
  forwarded = [];
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await issuer?.close();
});

describe('explicit hooks', () => {
  let get: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    const app = Fastify();
    const required = authenticate(authenticator);
    const forward = { errors: 'forward' } as const;
    app.setErrorHandler((error, _request, reply) => {
      if (!isAuthError(error)) return reply.send(error);
      forwarded.push(error);
      return reply.code(error.status).send({ handledBy: 'app', code: error.code });
    });
    app.get('/forward', { onRequest: authenticate(authenticator, forward) }, ok);
    app.get(
      '/forward-scope',
      { onRequest: authenticate(authenticator, { ...forward, scopes: 'admin' }) },
      ok,
    );
    app.get(
      '/forward-guard',
      { onRequest: required, preHandler: requireScopes('admin', forward) },
      ok,
    );
    app.get(
      '/any',
      { onRequest: required, preHandler: requireScopes({ anyOf: ['orders:read', 'admin'] }) },
      ok,
    );
    app.get('/all', { onRequest: [required, requireScopes(['orders:read', 'orders:write'])] }, ok);
    app.get(
      '/optional-guard',
      {
        onRequest: authenticate(authenticator, { optional: true }),
        preHandler: requireScopes('orders:read'),
      },
      ok,
    );
    app.get('/guard-first', { onRequest: requireScopes('orders:read') }, ok);
    app.get('/proxied', { onRequest: authenticate(authenticator, { trustProxy: true }) }, ok);
    app.get('/public', async (request) => ({ auth: request.auth ?? null }));
    get = await start(app);
  });

  it("errors: 'forward' hands the AuthError to the app's error handler", async () => {
    const res = await get('/forward');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({ handledBy: 'app', code: 'credentials_required' });
    expect(forwarded).toHaveLength(1);
    expect(isAuthError(forwarded[0])).toBe(true);
  });

  it("errors: 'forward' forwards a bad credential and a missing scope too", async () => {
    const bad = await get('/forward', { headers: bearer(`${reader}x`) });
    expect([bad.status, await bad.json()]).toEqual([
      401,
      { handledBy: 'app', code: 'invalid_token' },
    ]);
    const scope = await get('/forward-scope', { headers: bearer(reader) });
    expect([scope.status, await scope.json()]).toEqual([
      403,
      { handledBy: 'app', code: 'insufficient_scope' },
    ]);
    const guard = await get('/forward-guard', { headers: bearer(reader) });
    expect([guard.status, await guard.json()]).toEqual([
      403,
      { handledBy: 'app', code: 'insufficient_scope' },
    ]);
    expect(forwarded).toHaveLength(3);
  });

  it('requireScopes with anyOf passes on any one scope and names them all when refusing', async () => {
    expect((await get('/any', { headers: bearer(reader) })).status).toBe(200);
    const refused = await get('/any', { headers: bearer(writer) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="${INSUFFICIENT}", scope="orders:read admin"`,
    );
  });

  it('requireScopes with a list needs all of them', async () => {
    const refused = await get('/all', { headers: bearer(reader) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('scope="orders:read orders:write"');
  });

  it('a guard on an anonymous request of an optional route is a 401', async () => {
    const res = await get('/optional-guard');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", ApiKey realm="api"');
    expect((await get('/optional-guard', { headers: bearer(reader) })).status).toBe(200);
  });

  it('a guard with no authentication before it is a 500 through Fastify', async () => {
    const res = await get('/guard-first', { headers: bearer(reader) });
    expect(res.status).toBe(500);
    expect(forwarded).toEqual([]);
  });

  it('sends the core rendering byte for byte, headers included', async () => {
    const res = await get('/any', { headers: bearer(writer) });
    const rendered = authenticator.render(
      new AuthError('insufficient_scope', { scopes: ['orders:read', 'admin'] }),
    );
    expect(res.status).toBe(rendered.status);
    for (const [name, value] of Object.entries(rendered.headers))
      expect(res.headers.get(name)).toBe(value);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(rendered.body)));
    expect(await res.text()).toBe(rendered.body);
  });

  it('trustProxy builds the request URL from X-Forwarded-*', async () => {
    await get('/proxied?x=1', {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example' },
    });
    expect(seen.map((v) => v.url)).toEqual(['https://api.example/proxied?x=1']);
  });

  it('leaves request.auth undefined where nothing authenticated', async () => {
    expect(await (await get('/public', { headers: bearer(reader) })).json()).toEqual({
      auth: null,
    });
  });
});

describe('the authcore plugin', () => {
  let get: Awaited<ReturnType<typeof start>>;
  let hookSaw: unknown[];
  beforeAll(async () => {
    const app = Fastify();
    app.register(authcore, { authenticator });
    app.get('/me', async (request) => ({ id: request.auth?.id }));
    app.get('/public', { config: { auth: false } }, async (request) => ({
      auth: request.auth ?? null,
    }));
    app.get('/orders', { config: { auth: { scopes: 'orders:read' } } }, ok);
    app.get('/optional', { config: { auth: { optional: true } } }, async (request) => ({
      id: request.auth?.id ?? null,
    }));
    app.get('/forward', { config: { auth: { errors: 'forward' } } }, ok);
    app.get('/guarded', { preHandler: requireScopes({ anyOf: ['admin', 'orders:write'] }) }, ok);
    app.get(
      '/route-hook',
      {
        onRequest: async (request) => {
          hookSaw.push(request.auth?.id);
        },
      },
      ok,
    );
    get = await start(app);
  });
  beforeEach(() => {
    hookSaw = [];
  });

  it('authenticates every route by default and puts the principal on request.auth', async () => {
    expect(await (await get('/me', { headers: bearer(reader) })).json()).toEqual({ id: 'reader' });
    const anonymous = await get('/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", ApiKey realm="api"',
    );
  });

  it('config.auth: false makes a route public, request.auth stays undefined', async () => {
    const res = await get('/public', { headers: bearer(reader) });
    expect([res.status, await res.json()]).toEqual([200, { auth: null }]);
  });

  it('config.auth scopes and optional apply per route', async () => {
    expect((await get('/orders', { headers: bearer(reader) })).status).toBe(200);
    expect((await get('/orders', { headers: bearer(writer) })).status).toBe(403);
    expect(await (await get('/optional')).json()).toEqual({ id: null });
    expect(await (await get('/optional', { headers: bearer(writer) })).json()).toEqual({
      id: 'writer',
    });
    expect((await get('/optional', { headers: bearer(`${writer}x`) })).status).toBe(401);
  });

  it("config.auth errors: 'forward' uses Fastify's default error handler with status and challenge", async () => {
    const res = await get('/forward');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", ApiKey realm="api"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      statusCode: 401,
      code: 'credentials_required',
      error: 'Unauthorized',
      message: 'Authentication required',
    });
  });

  it('requireScopes works after the plugin, and HEAD routes are protected like GET', async () => {
    expect((await get('/guarded', { headers: bearer(writer) })).status).toBe(200);
    expect((await get('/guarded', { headers: bearer(reader) })).status).toBe(403);
    expect((await get('/me', { method: 'HEAD' })).status).toBe(401);
    expect((await get('/me', { method: 'HEAD', headers: bearer(reader) })).status).toBe(200);
  });

  it("runs before the route's own onRequest hooks", async () => {
    await get('/route-hook', { headers: bearer(reader) });
    expect(hookSaw).toEqual(['reader']);
  });

  it('leaves unknown URLs to the 404 handler', async () => {
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('protects only the context it is registered in, with that context’s defaults', async () => {
    const app = Fastify();
    app.get('/open', async (request) => ({ auth: request.auth ?? null }));
    app.register(
      async (internal) => {
        await internal.register(authcore, { authenticator, scopes: 'admin', errors: 'forward' });
        internal.get('/report', ok);
      },
      { prefix: '/internal' },
    );
    const get = await start(app);
    expect(await (await get('/open', { headers: bearer(reader) })).json()).toEqual({ auth: null });
    const refused = await get('/internal/report', { headers: bearer(reader) });
    expect([refused.status, (await refused.json()).code]).toEqual([403, 'insufficient_scope']);
    const admin = bearer(await issuer.issueToken({ scope: 'admin' }));
    expect((await get('/internal/report', { headers: admin })).status).toBe(200);
  });

  it('refuses a second registration where it is already registered', async () => {
    const app = Fastify();
    app.register(authcore, { authenticator });
    app.register(async (child) => {
      await child.register(authcore, { authenticator, optional: true });
    });
    await expect(app.ready()).rejects.toThrow(/already registered/);
    await app.close();
  });

  it('refuses to load without an authenticator', async () => {
    const app = Fastify();
    // @ts-expect-error the authenticator is required
    app.register(authcore, {});
    await expect(app.ready()).rejects.toThrow(/authenticator/);
    await app.close();
  });
});

describe('the same-tick path', () => {
  it('a copy of the authenticator ({ ...authenticator }) goes on before any microtask once the token is cached', async () => {
    const copy = { ...createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] }) };
    let microtaskRan = false;
    const app = Fastify();
    const mark = (_request: unknown, _reply: unknown, done: () => void) => {
      microtaskRan = false;
      queueMicrotask(() => {
        microtaskRan = true;
      });
      done();
    };
    const check = (_request: unknown, reply: { send(body: unknown): void }) => {
      reply.send({ microtaskRan });
    };
    // Before the plugin's hook: the plugin authenticates `/plugin` between `mark` and `check`.
    app.addHook('onRequest', mark);
    app.register(authcore, { authenticator: copy });
    app.get('/tick', { config: { auth: false }, onRequest: [authenticate(copy), check] }, ok);
    app.get('/plugin', { onRequest: check }, ok);
    const get = await start(app);
    const call = async (path: string) => (await get(path, { headers: bearer(reader) })).json();
    expect([await call('/tick'), await call('/tick')]).toEqual([
      { microtaskRan: true },
      { microtaskRan: false },
    ]);
    expect(await call('/plugin')).toEqual({ microtaskRan: false });
  });
});

describe('run-time exports', () => {
  it('AuthError and isAuthError, as the other adapters export them', async () => {
    const fastify = await import('@authcore/fastify');
    expect(fastify.AuthError).toBe(AuthError);
    expect(fastify.isAuthError(new fastify.AuthError('invalid_token'))).toBe(true);
  });
});
