import { request as httpRequest } from 'node:http';
import {
  AuthError,
  type Authenticator,
  createAuthenticator,
  jwt,
  type Principal,
  principalToJSON,
  type RequestView,
} from '@authcore/core';
import {
  conformanceAuthenticator,
  createTestIssuer,
  sendConformanceRequest,
} from '@authcore/testing';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { authenticate, requireScopes } from '../src/index.js';
import { listen, type Running } from './helpers.js';

const issuer = await createTestIssuer();
const authenticator = conformanceAuthenticator(issuer);
const reader = await issuer.issueToken({ sub: 'user-1', scope: 'orders:read' });
const bearer = (token: string) => [['authorization', `Bearer ${token}`] as const];
const running: Running[] = [];
const serve = async (app: Hono) => {
  const server = await listen(app);
  running.push(server);
  return server.url;
};
const get = (url: string, path: string, headers: ReadonlyArray<readonly [string, string]> = []) =>
  sendConformanceRequest(url, { method: 'GET', path, headers });

afterAll(async () => {
  for (const server of running) await server.close();
  await issuer.close();
});

describe('authenticate', () => {
  it('answers the core rendering byte for byte, with exactly its headers', async () => {
    const url = await serve(new Hono().get('/', authenticate(authenticator), (c) => c.text('ok')));
    const rendered = authenticator.render(new AuthError('credentials_required'));
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(rendered.status);
    for (const [name, value] of Object.entries(rendered.headers))
      expect(res.headers.get(name)).toBe(value);
    expect(await res.text()).toBe(rendered.body);
  });

  it("with errors: 'forward' throws an HTTPException to app.onError, the AuthError as cause", async () => {
    const app = new Hono()
      .get('/', authenticate(authenticator, { errors: 'forward' }), (c) => c.text('ok'))
      .onError((err, c) => {
        const cause = err instanceof HTTPException ? err.cause : undefined;
        if (!(cause instanceof AuthError)) return c.json({ unexpected: String(err) }, 500);
        return c.json({ handled: cause.code, status: cause.status }, 418);
      });
    const url = await serve(app);
    const expired = await issuer.issueToken({}, { expiresIn: -60 });
    expect(await get(url, '/', bearer(expired))).toMatchObject({
      status: 418,
      body: { handled: 'invalid_token', status: 401 },
    });
    expect(await get(url, '/')).toMatchObject({
      status: 418,
      body: { handled: 'credentials_required' },
    });
  });

  it("with errors: 'forward' and no onError, Hono sends the exception's response: the same rendering", async () => {
    const url = await serve(
      new Hono().get('/', authenticate(authenticator, { errors: 'forward' }), (c) => c.text('ok')),
    );
    const forwarded = await get(url, '/');
    const rendered = authenticator.render(new AuthError('credentials_required'));
    expect(forwarded.status).toBe(401);
    expect(forwarded.wwwAuthenticate).toBe(rendered.headers['www-authenticate']);
    expect(forwarded.text).toBe(rendered.body);
  });

  it('checks `scopes` itself when given', async () => {
    const url = await serve(
      new Hono().get(
        '/',
        authenticate(authenticator, { scopes: ['orders:read', 'profile'] }),
        (c) => c.text('ok'),
      ),
    );
    const res = await get(url, '/', bearer(reader));
    expect(res.status).toBe(403);
    expect(res.wwwAuthenticate).toContain('scope="orders:read profile"');
  });

  it('is typed and usable from app.use, with c.get in a later handler', async () => {
    const app = new Hono();
    app.use('/v1/*', authenticate(authenticator));
    app.get('/v1/me', (c) => c.json(principalToJSON(c.get('auth')!)));
    const url = await serve(app);
    expect(await get(url, '/v1/me', bearer(reader))).toMatchObject({
      status: 200,
      body: { id: 'user-1' },
    });
  });

  it('refuses options it cannot honour when built', () => {
    // @ts-expect-error not an error mode
    expect(() => authenticate(authenticator, { errors: 'throw' })).toThrow(TypeError);
    // @ts-expect-error not an authenticator
    expect(() => authenticate({})).toThrow(/createAuthenticator/);
  });
});

describe('the request view', () => {
  // Records what the core saw of each refused request.
  const seen: RequestView[] = [];
  const recording: Authenticator<Principal> = createAuthenticator({
    schemes: [jwt(issuer.jwtOptions())],
    onFailure: (_error, request) => seen.push(request),
  });
  const app = new Hono()
    .get('/', authenticate(recording), (c) => c.text('ok'))
    .get('/proxied', authenticate(recording, { trustProxy: true }), (c) => c.text('ok'));
  const twoLines = [
    ['authorization', `Bearer ${reader}`],
    ['authorization', 'Bearer other'],
  ] as const;

  it('keeps two Authorization lines apart on node-server (rawHeaders of c.env.incoming)', async () => {
    const url = await serve(app);
    seen.length = 0;
    const res = await get(url, '/', twoLines);
    expect(res.status).toBe(400);
    expect(seen[0]?.headers('authorization')).toEqual([`Bearer ${reader}`, 'Bearer other']);
    // One line holding a comma stays one line: Node's own view, not a split of a merged value.
    await rawGet(url, '/', 'Bearer a, Bearer b');
    expect(seen[1]?.headers('authorization')).toEqual(['Bearer a, Bearer b']);
  });

  it('reaches the same 400 from the Web Request alone, where the lines arrive merged', async () => {
    const headers = new Headers(twoLines.map(([name, value]): [string, string] => [name, value]));
    const viaFetch = await app.request('/', { headers });
    const url = await serve(app);
    const viaNode = await get(url, '/', twoLines);
    expect(viaFetch.status).toBe(400);
    expect(viaFetch.headers.get('www-authenticate')).toBe(viaNode.wwwAuthenticate);
    expect(await viaFetch.text()).toBe(viaNode.text);
  });

  it('builds the URL from X-Forwarded-* only with trustProxy', async () => {
    const url = await serve(app);
    const forwarded = [
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'api.example.com'],
    ] as const;
    seen.length = 0;
    await get(url, '/?a=1', forwarded);
    await get(url, '/proxied?a=1', forwarded);
    expect(seen.map((r) => r.url)).toEqual([`${url}/?a=1`, 'https://api.example.com/proxied?a=1']);
  });
});

describe('requireScopes', () => {
  const app = new Hono()
    .get(
      '/any',
      authenticate(authenticator),
      requireScopes({ anyOf: ['admin', 'orders:read'] }),
      (c) => c.text('ok'),
    )
    .get('/none', authenticate(authenticator), requireScopes({ anyOf: ['admin', 'root'] }), (c) =>
      c.text('ok'),
    )
    .get('/all', authenticate(authenticator), requireScopes('orders:read orders:write'), (c) =>
      c.text('ok'),
    )
    .get(
      '/optional',
      authenticate(authenticator, { optional: true }),
      requireScopes('orders:read'),
      (c) => c.text('ok'),
    )
    .get(
      '/forward',
      authenticate(authenticator),
      requireScopes('admin', { errors: 'forward' }),
      (c) => c.text('ok'),
    )
    .get('/unguarded', requireScopes('orders:read'), (c) => c.text('ok'))
    .onError((err, c) => {
      if (err instanceof HTTPException && err.cause instanceof AuthError) {
        return c.json({ forwarded: err.cause.code, scopes: err.cause.scopes }, err.status);
      }
      return c.json({ bug: err.message }, 500);
    });

  it('passes with any one of `anyOf`, and names them all when none is held', async () => {
    const url = await serve(app);
    expect((await get(url, '/any', bearer(reader))).status).toBe(200);
    const denied = await get(url, '/none', bearer(reader));
    expect(denied.status).toBe(403);
    expect(denied.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="admin root"',
    );
  });

  it('needs every scope of a space-separated string', async () => {
    const url = await serve(app);
    const denied = await get(url, '/all', bearer(reader));
    expect(denied.status).toBe(403);
    expect(denied.wwwAuthenticate).toContain('scope="orders:read orders:write"');
  });

  it('answers 401 with the bare challenge on an anonymous request of an optional route', async () => {
    const url = await serve(app);
    const res = await get(url, '/optional');
    expect(res.status).toBe(401);
    const bare = authenticator.render(new AuthError('credentials_required'));
    expect(res.wwwAuthenticate).toBe(bare.headers['www-authenticate']);
    expect(res.wwwAuthenticate).not.toContain('error=');
    expect(res.text).toBe(bare.body);
    expect((await get(url, '/optional', bearer(reader))).status).toBe(200);
  });

  it("forwards to app.onError with errors: 'forward'", async () => {
    const url = await serve(app);
    expect(await get(url, '/forward', bearer(reader))).toMatchObject({
      status: 403,
      body: { forwarded: 'insufficient_scope', scopes: ['admin'] },
    });
  });

  it('is a 500 through Hono when no authenticate ran before it (a programming error)', async () => {
    const url = await serve(app);
    const res = await get(url, '/unguarded', bearer(reader));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ bug: expect.stringContaining('before `authenticate`') });
    // Hono's default handler logs the error and answers 500.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const plain = await serve(new Hono().get('/', requireScopes('x'), (c) => c.text('ok')));
    expect((await get(plain, '/')).status).toBe(500);
    expect(String(logged.mock.calls[0]?.[0])).toContain('before `authenticate`');
    logged.mockRestore();
  });
});

/** One request with one raw Authorization line, to see what the view makes of it. */
function rawGet(url: string, path: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      new URL(path, url),
      { headers: { authorization }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    r.on('error', reject);
    r.end();
  });
}

describe('the same-tick path', () => {
  it('a copy of the authenticator ({ ...authenticator }) goes on before any microtask once the token is cached', async () => {
    const copy = { ...createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] }) };
    let microtaskRan = false;
    const app = new Hono()
      .use(async (_c, next) => {
        microtaskRan = false;
        queueMicrotask(() => {
          microtaskRan = true;
        });
        await next();
      })
      .get('/', authenticate(copy), (c) => c.json({ microtaskRan }));
    const url = await serve(app);
    const call = async () => (await get(url, '/', bearer(reader))).body;
    expect([await call(), await call()]).toEqual([{ microtaskRan: true }, { microtaskRan: false }]);
  });
});
