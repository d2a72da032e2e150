import {
  type AuthError,
  apiKey,
  createAuthenticator,
  isAuthError,
  jwt,
  type RequestView,
} from '@authcore/core';
import { authenticate, requireScopes } from '@authcore/express';
import { createTestIssuer, sendConformanceRequest, type TestIssuer } from '@authcore/testing';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listen } from './helpers.js';

let issuer: TestIssuer;
let server: Awaited<ReturnType<typeof listen>>;
let forwarded: unknown[];
let seen: RequestView[];
let reader: string;
let writer: string;

const INSUFFICIENT = 'The access token does not have the required scope';

beforeAll(async () => {
  issuer = await createTestIssuer();
  reader = await issuer.issueToken({ sub: 'reader', scope: 'orders:read' });
  writer = await issuer.issueToken({ sub: 'writer', scope: 'orders:write' });
  const authenticator = createAuthenticator({
    schemes: [jwt(issuer.jwtOptions()), apiKey({ store: issuer.apiKeyStore })],
    onFailure: (_error, request) => {
      seen.push(request);
    },
  });
  const forward = { errors: 'forward' } as const;
  const ok = (_req: express.Request, res: express.Response) => {
    res.json({ ok: true });
  };

  const app = express();
  app.get('/forward', authenticate(authenticator, forward), ok);
  app.get('/forward-scope', authenticate(authenticator, { ...forward, scopes: 'admin' }), ok);
  app.get('/forward-guard', authenticate(authenticator), requireScopes('admin', forward), ok);
  app.get(
    '/any',
    authenticate(authenticator),
    requireScopes({ anyOf: ['orders:read', 'admin'] }),
    ok,
  );
  app.get('/all', authenticate(authenticator), requireScopes(['orders:read', 'orders:write']), ok);
  app.get(
    '/optional-guard',
    authenticate(authenticator, { optional: true }),
    requireScopes('orders:read'),
    ok,
  );
  app.get('/guard-first', requireScopes('orders:read'), ok);
  // Routes whose forwarded errors fall through to Express's own final handler.
  app.get(
    '/default-handler',
    authenticate(authenticator, forward),
    requireScopes('admin', forward),
    ok,
  );
  app.get('/proxied', authenticate(authenticator, { trustProxy: true }), ok);
  const router = express.Router();
  router.get('/me', authenticate(authenticator), (req, res) => {
    res.json({ id: req.auth?.id });
  });
  app.use('/api/v1', router);
  const onError: ErrorRequestHandler = (error, req, res, next) => {
    if (!isAuthError(error) || req.path === '/default-handler') return next(error);
    forwarded.push(error);
    res.status(error.status).json({ handledBy: 'app', code: error.code });
  };
  app.use(onError);
  server = await listen(app);
});

beforeEach(() => {
  forwarded = [];
  seen = [];
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("errors: 'forward'", () => {
  it('hands a failed authentication to the app error handler as an AuthError', async () => {
    const res = await get('/forward');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({ handledBy: 'app', code: 'credentials_required' });
    expect(forwarded).toHaveLength(1);
    expect((forwarded[0] as AuthError).status).toBe(401);
  });

  it('forwards a bad credential and a missing scope from the option', async () => {
    expect(await (await get('/forward', bearer('nope'))).json()).toEqual({
      handledBy: 'app',
      code: 'invalid_token',
    });
    const denied = await get('/forward-scope', bearer(reader));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ handledBy: 'app', code: 'insufficient_scope' });
    expect((forwarded[1] as AuthError).scopes).toEqual(['admin']);
  });

  it('forwards a refusal of requireScopes', async () => {
    const denied = await get('/forward-guard', bearer(reader));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ handledBy: 'app', code: 'insufficient_scope' });
    expect(forwarded).toHaveLength(1);
  });

  it('lets a good request through untouched', async () => {
    expect((await get('/forward', bearer(reader))).status).toBe(200);
    expect(forwarded).toEqual([]);
  });
});

describe("errors: 'forward' without an error handler of the app", () => {
  it("Express's default handler still answers the status and the challenge", async () => {
    const anonymous = await get('/default-handler');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", ApiKey realm="api"',
    );
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
    const denied = await get('/default-handler', bearer(reader));
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('scope="admin"');
  });
});

describe('misconfiguration throws when the middleware is built', () => {
  it('refuses a missing authenticator and an unknown errors mode', () => {
    // @ts-expect-error no authenticator
    expect(() => authenticate(undefined)).toThrow(TypeError);
    // @ts-expect-error not a mode
    expect(() => requireScopes('a', { errors: 'throw' })).toThrow(/respond' or 'forward/);
  });
});

describe('requireScopes', () => {
  it('anyOf passes with one of the scopes', async () => {
    expect((await get('/any', bearer(reader))).status).toBe(200);
  });

  it('anyOf refuses with 403 naming every acceptable scope', async () => {
    const res = await get('/any', bearer(writer));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="${INSUFFICIENT}", scope="orders:read admin"`,
    );
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('a list needs all of its scopes', async () => {
    expect((await get('/all', bearer(reader))).status).toBe(403);
  });

  it('is a 401 on an anonymous request of an optional route', async () => {
    const res = await get('/optional-guard');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", ApiKey realm="api"');
    expect(await res.json()).toEqual({
      error: 'credentials_required',
      error_description: 'Authentication required',
    });
    expect((await get('/optional-guard', bearer(reader))).status).toBe(200);
  });

  it('before authenticate is a programming error: a 500 through Express', async () => {
    const res = await get('/guard-first', bearer(reader));
    expect(res.status).toBe(500);
    expect(forwarded).toEqual([]);
  });
});

describe('the request view', () => {
  it('sees the full path of a mounted router (originalUrl)', async () => {
    const res = await get('/api/v1/me', bearer(reader));
    expect(await res.json()).toEqual({ id: 'reader' });
    await get('/api/v1/me?x=1');
    expect(seen.map((r) => r.url)).toEqual([`${server.url}/api/v1/me?x=1`]);
  });

  it('trusts X-Forwarded-* only with trustProxy', async () => {
    const proxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
    await get('/proxied', proxy);
    await get('/forward', proxy);
    expect(seen.map((r) => r.url)).toEqual([
      'https://api.example.com/proxied',
      `${server.url}/forward`,
    ]);
  });

  it('sees two Authorization header lines as two', async () => {
    const res = await sendConformanceRequest(server.url, {
      method: 'GET',
      path: '/api/v1/me',
      headers: [
        ['authorization', `Bearer ${reader}`],
        ['authorization', `Bearer ${writer}`],
      ],
    });
    expect(res.status).toBe(400);
  });
});

describe("Express's own trust proxy setting", () => {
  const proxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
  const urls = async (trust: boolean | string) => {
    const urlsSeen: string[] = [];
    const recording = createAuthenticator({
      schemes: [jwt(issuer.jwtOptions())],
      onFailure: (_error, request) => {
        urlsSeen.push(request.url);
      },
    });
    const app = express();
    app.set('trust proxy', trust);
    app.get('/app', authenticate(recording), (_req, res) => res.end());
    app.get('/off', authenticate(recording, { trustProxy: false }), (_req, res) => res.end());
    app.get('/on', authenticate(recording, { trustProxy: true }), (_req, res) => res.end());
    const running = await listen(app);
    for (const path of ['/app', '/off', '/on'])
      await fetch(`${running.url}${path}`, { headers: proxy });
    await running.close();
    return { base: running.url, urls: urlsSeen };
  };

  it('reads X-Forwarded-* when the app trusts the proxy, unless trustProxy: false', async () => {
    const { base, urls: seenUrls } = await urls(true);
    expect(seenUrls).toEqual([
      'https://api.example.com/app',
      `${base}/off`,
      'https://api.example.com/on',
    ]);
  });

  it('asks the setting about the peer: a proxy address that is not this one is not trusted', async () => {
    const { base, urls: seenUrls } = await urls('10.0.0.1');
    expect(seenUrls).toEqual([`${base}/app`, `${base}/off`, 'https://api.example.com/on']);
  });
});

describe('the same-tick path', () => {
  it('a copy of the authenticator ({ ...authenticator }) goes on before any microtask once the token is cached', async () => {
    const copy = { ...createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] }) };
    const app = express();
    app.get(
      '/tick',
      (_req, res, next) => {
        res.locals.microtaskRan = false;
        queueMicrotask(() => {
          res.locals.microtaskRan = true;
        });
        next();
      },
      authenticate(copy),
      (_req, res) => {
        res.json({ microtaskRan: res.locals.microtaskRan });
      },
    );
    const running = await listen(app);
    const call = async () =>
      (await fetch(`${running.url}/tick`, { headers: bearer(reader) })).json();
    expect([await call(), await call()]).toEqual([{ microtaskRan: true }, { microtaskRan: false }]);
    await running.close();
  });
});
