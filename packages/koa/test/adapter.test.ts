import { AuthError, createAuthenticator, isAuthError, jwt, type RequestView } from '@authcore/core';
import {
  conformanceAuthenticator,
  createTestIssuer,
  sendConformanceRequest,
} from '@authcore/testing';
import Koa, { type Middleware } from 'koa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AuthState, authenticate, requireScopes } from '../src/index.js';
import { route } from './app.js';
import { type Listening, listen } from './helpers.js';

const issuer = await createTestIssuer();
const authenticator = conformanceAuthenticator(issuer);
const reader = await issuer.issueToken({ sub: 'reader', scope: 'orders:read' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ok: Middleware<AuthState> = (ctx) => {
  ctx.body = { ok: true, id: ctx.state.auth?.id ?? null };
};

let server: Listening | undefined;
const serve = async (app: Koa) => {
  server = await listen(app);
  return server.url;
};
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => issuer.close());

describe('errors: respond (default)', () => {
  it('sends the core rendering byte for byte: status, headers and body', async () => {
    const url = await serve(new Koa().use(authenticate(authenticator)).use(ok));
    const res = await fetch(`${url}/`, { headers: bearer('not-a-jwt') });
    const rendered = authenticator.render(new AuthError('invalid_token'));
    expect(res.status).toBe(rendered.status);
    for (const [name, value] of Object.entries(rendered.headers)) {
      expect(res.headers.get(name)).toBe(value);
    }
    const text = await res.text();
    expect(text).toBe(rendered.body);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(rendered.body)));
  });

  it('sets ctx.state.auth and goes on', async () => {
    const url = await serve(new Koa().use(authenticate(authenticator)).use(ok));
    const res = await fetch(`${url}/`, { headers: bearer(reader) });
    expect(await res.json()).toEqual({ ok: true, id: 'reader' });
  });
});

describe("errors: 'forward'", () => {
  // A user's error middleware: renders AuthErrors its own way.
  const custom = (): Middleware => async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isAuthError(err)) throw err;
      ctx.status = err.status;
      ctx.body = { custom: err.code, scopes: err.scopes };
    }
  };

  it('throws the AuthError to the error middleware (authenticate)', async () => {
    const app = new Koa().use(custom()).use(authenticate(authenticator, { errors: 'forward' }));
    const url = await serve(app.use(ok));
    const res = await fetch(`${url}/`, { headers: bearer('not-a-jwt') });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ custom: 'invalid_token', scopes: [] });
  });

  it('throws the AuthError to the error middleware (requireScopes)', async () => {
    const app = new Koa()
      .use(custom())
      .use(authenticate(authenticator))
      .use(requireScopes('orders:write', { errors: 'forward' }));
    const url = await serve(app.use(ok));
    const res = await fetch(`${url}/`, { headers: bearer(reader) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ custom: 'insufficient_scope', scopes: ['orders:write'] });
  });

  it("gives Koa's default handler the status, challenge and description, without logging a crash", async () => {
    const app = new Koa().use(authenticate(authenticator, { errors: 'forward' })).use(ok);
    const seen: unknown[] = [];
    app.on('error', (err) => seen.push(err));
    const url = await serve(app);
    const res = await fetch(`${url}/`, { headers: bearer('not-a-jwt') });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('The access token is invalid');
    expect(seen).toHaveLength(1);
    expect(isAuthError(seen[0])).toBe(true);
    expect(seen[0]).toMatchObject({ code: 'invalid_token', status: 401, expose: true });
  });
});

describe('requireScopes', () => {
  const app = () =>
    new Koa()
      .use(authenticate(authenticator, { optional: true }))
      .use(requireScopes({ anyOf: ['orders:write', 'orders:read'] }))
      .use(ok);

  it('passes with any one of { anyOf }', async () => {
    const url = await serve(app());
    expect((await fetch(`${url}/`, { headers: bearer(reader) })).status).toBe(200);
  });

  it('refuses with none of { anyOf }: 403 naming them all', async () => {
    const url = await serve(app());
    const other = await issuer.issueToken({ sub: 'x', scope: 'profile' });
    const res = await fetch(`${url}/`, { headers: bearer(other) });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('scope="orders:write orders:read"');
  });

  it('is a 401 with a bare challenge on an anonymous request of an optional route', async () => {
    const url = await serve(app());
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(401);
    const bare = authenticator.render(new AuthError('credentials_required'));
    expect(res.headers.get('www-authenticate')).toBe(bare.headers['www-authenticate']);
    expect(bare.headers['www-authenticate']).not.toContain('error=');
    expect(await res.json()).toEqual({
      error: 'credentials_required',
      error_description: 'Authentication required',
    });
  });

  it('before authenticate is a programming error: Koa answers 500', async () => {
    const app = new Koa().use(requireScopes('orders:read')).use(ok);
    const seen: Error[] = [];
    app.silent = true;
    app.on('error', (err: Error) => seen.push(err));
    const url = await serve(app);
    const res = await fetch(`${url}/`, { headers: bearer(reader) });
    expect(res.status).toBe(500);
    expect(seen[0]?.message).toMatch(/scope guard ran before `authenticate`/);
  });

  it('runs per route behind a plain method/path dispatch', async () => {
    const auth = authenticate(authenticator);
    const app = new Koa()
      .use(route('GET', '/read', auth, requireScopes('orders:read'), ok))
      .use(route('POST', '/write', auth, requireScopes('orders:write'), ok));
    const url = await serve(app);
    expect((await fetch(`${url}/read`, { headers: bearer(reader) })).status).toBe(200);
    expect((await fetch(`${url}/write`, { method: 'POST', headers: bearer(reader) })).status).toBe(
      403,
    );
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
  });
});

describe('the request view', () => {
  // The URL the core saw, through onFailure.
  const urlSeen = async (app: Koa, headers: Record<string, string>) => {
    const url = await serve(app.use(ok));
    await fetch(`${url}/v1/me?x=1`, { headers });
    await server?.close();
    server = undefined;
  };
  const withViews = () => {
    const views: RequestView[] = [];
    const a = createAuthenticator({
      schemes: [jwt(issuer.jwtOptions())],
      onFailure: (_error, view) => views.push(view),
    });
    return { a, views };
  };
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example' };

  it('follows app.proxy for X-Forwarded-*', async () => {
    const { a, views } = withViews();
    const trusted = new Koa();
    trusted.proxy = true;
    await urlSeen(trusted.use(authenticate(a)), forwarded);
    await urlSeen(new Koa().use(authenticate(a)), forwarded);
    expect(views[0]?.url).toBe('https://api.example/v1/me?x=1');
    expect(views[1]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/me\?x=1$/);
  });

  it('lets trustProxy override app.proxy', async () => {
    const { a, views } = withViews();
    const trusted = new Koa();
    trusted.proxy = true;
    await urlSeen(trusted.use(authenticate(a, { trustProxy: false })), forwarded);
    expect(views[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('sees two Authorization lines as two (400)', async () => {
    const url = await serve(new Koa().use(authenticate(authenticator)).use(ok));
    const res = await sendConformanceRequest(url, {
      method: 'GET',
      path: '/',
      headers: [
        ['authorization', `Bearer ${reader}`],
        ['authorization', `Bearer ${reader}`],
      ],
    });
    expect(res.status).toBe(400);
  });
});

describe('options', () => {
  it('are checked once, when the middleware is made', () => {
    // @ts-expect-error not an error mode
    expect(() => authenticate(authenticator, { errors: 'throw' })).toThrow(TypeError);
    // @ts-expect-error not an error mode
    expect(() => requireScopes('a', { errors: 'next' })).toThrow(TypeError);
    // @ts-expect-error no authenticator
    expect(() => authenticate(undefined)).toThrow(TypeError);
  });
});

describe('the same-tick path', () => {
  it('a copy of the authenticator ({ ...authenticator }) goes on before any microtask once the token is cached', async () => {
    const copy = { ...createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] }) };
    let microtaskRan = false;
    const app = new Koa()
      .use((_ctx, next) => {
        microtaskRan = false;
        queueMicrotask(() => {
          microtaskRan = true;
        });
        return next();
      })
      .use(authenticate(copy))
      .use((ctx) => {
        ctx.body = { microtaskRan };
      });
    const url = await serve(app);
    const call = async () => (await fetch(`${url}/`, { headers: bearer(reader) })).json();
    expect([await call(), await call()]).toEqual([{ microtaskRan: true }, { microtaskRan: false }]);
  });
});
