import type { IncomingMessage } from 'node:http';
import { createAuthenticator, introspection, jwt } from '@authcore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  INVALID_TOKEN,
  type JsonServer,
  jwtOptions,
  rendered,
  sign,
  startJsonServer,
  testKeys,
} from './fixtures.js';

let server: JsonServer;
const seen: { authorization?: string | undefined; body: string }[] = [];
const active: Record<string, Record<string, unknown>> = {};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => resolve(body));
  });

beforeAll(async () => {
  server = await startJsonServer();
  server.route('/introspect', async (req, res) => {
    const body = await readBody(req);
    seen.push({ authorization: req.headers.authorization, body });
    const token = new URLSearchParams(body).get('token') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(active[token] ?? { active: false }));
  });
  server.route('/hang', () => {});
  server.route('/broken', (_req, res) => {
    res.writeHead(500).end();
  });
});
afterAll(() => server.close());

const now = () => Date.now();
const future = () => Math.floor(Date.now() / 1000) + 600;
const scheme = (path = '/introspect', extra: Partial<Parameters<typeof introspection>[0]> = {}) =>
  introspection({
    endpoint: `${server.origin}${path}`,
    clientId: 'api',
    clientSecret: 's3cret:x',
    now,
    ...extra,
  });

describe('opaque tokens by RFC 7662 introspection', () => {
  it('maps an active response to a principal, authenticating with client_secret_basic', async () => {
    active['opaque-1'] = {
      active: true,
      sub: 'u1',
      client_id: 'web',
      scope: 'a b',
      exp: future(),
      iss: 'https://as',
      aud: 'https://api',
    };
    const auth = createAuthenticator({ schemes: [scheme()] });
    const result = await auth.authenticate(bearer('opaque-1'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toMatchObject({
      scheme: 'opaque',
      kind: 'user',
      id: 'u1',
      clientId: 'web',
      audience: ['https://api'],
    });
    expect([...result.principal.scopes]).toEqual(['a', 'b']);
    const last = seen.at(-1)!;
    expect(last.authorization).toBe(`Basic ${Buffer.from('api:s3cret%3Ax').toString('base64')}`);
    expect(new URLSearchParams(last.body).get('token_type_hint')).toBe('access_token');
  });

  it('hands out a frozen principal: a handler that edits it changes nothing for the next request', async () => {
    active['opaque-frozen'] = { active: true, sub: 'u9', scope: 'read', exp: future() };
    const auth = createAuthenticator({ schemes: [scheme()] });
    const first = await auth.authenticate(bearer('opaque-frozen'));
    if (!first.ok) throw first.error;
    const scopes = first.principal.scopes as Set<string>;
    expect(() => scopes.add('admin')).toThrow(TypeError);
    expect(() => {
      (first.principal as { id: string }).id = 'root';
    }).toThrow(TypeError);
    expect(() => {
      (first.principal.claims as { sub?: string }).sub = 'root';
    }).toThrow(TypeError);
    expect(() => first.principal.expiresAt?.setTime(0)).toThrow(TypeError);
    // The cached principal of the next request is untouched, and admin is still refused.
    const again = await auth.authenticate(bearer('opaque-frozen'), {
      require: { scopes: 'admin' },
    });
    expect(again.ok).toBe(false);
    const next = await auth.authenticate(bearer('opaque-frozen'));
    if (!next.ok) throw next.error;
    expect(next.principal.id).toBe('u9');
    expect([...next.principal.scopes]).toEqual(['read']);
  });

  it('caches active results, and sends client_secret_post when asked', async () => {
    active['opaque-2'] = { active: true, client_id: 'svc', exp: future() };
    const auth = createAuthenticator({
      schemes: [scheme('/introspect', { authMethod: 'client_secret_post' })],
    });
    const before = server.hitsOf('/introspect');
    const first = await auth.authenticate(bearer('opaque-2'));
    const second = await auth.authenticate(bearer('opaque-2'));
    expect(first.ok && second.ok).toBe(true);
    expect(server.hitsOf('/introspect') - before).toBe(1);
    if (first.ok) expect(first.principal.kind).toBe('service');
    const form = new URLSearchParams(seen.at(-1)!.body);
    expect(form.get('client_id')).toBe('api');
    expect(seen.at(-1)!.authorization).toBeUndefined();
  });

  it('refuses inactive, expired, wrong audience and wrong issuer alike', async () => {
    active.expired = { active: true, sub: 'u', exp: Math.floor(Date.now() / 1000) - 5 };
    active.aud = { active: true, sub: 'u', exp: future(), aud: 'https://other', iss: 'https://as' };
    active.iss = { active: true, sub: 'u', exp: future(), iss: 'https://evil' };
    active.odd = { active: 'true', sub: 'u' };
    active.refresh = {
      active: true,
      sub: 'u',
      exp: future(),
      aud: 'https://api',
      iss: 'https://as',
      token_type: 'refresh_token',
    };
    const auth = createAuthenticator({
      schemes: [
        scheme('/introspect', { audience: 'https://api', issuer: 'https://as', cache: false }),
      ],
    });
    const reasons = {
      unknown: 'token_inactive',
      expired: 'token_expired',
      aud: 'audience_mismatch',
      iss: 'issuer_mismatch',
      odd: 'token_inactive',
      refresh: 'typ_mismatch',
    } as const;
    for (const [token, reason] of Object.entries(reasons)) {
      const r = rendered(auth, await auth.authenticate(bearer(token)), reason);
      expect({ status: r.status, wwwAuthenticate: r.wwwAuthenticate, body: r.body }).toEqual(
        INVALID_TOKEN,
      );
    }
  });

  it('refuses a sender-constrained token (cnf) presented as Bearer (RFC 9449 §7.1)', async () => {
    active['bound-dpop'] = {
      active: true,
      sub: 'u',
      client_id: 'web',
      exp: future(),
      cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' },
      token_type: 'DPoP',
    };
    active['bound-mtls'] = {
      active: true,
      sub: 'u',
      exp: future(),
      cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
    };
    const auth = createAuthenticator({ schemes: [scheme()] });
    for (const token of ['bound-dpop', 'bound-mtls']) {
      const r = rendered(auth, await auth.authenticate(bearer(token)), 'token_sender_constrained');
      expect({ token, status: r.status, wwwAuthenticate: r.wwwAuthenticate, body: r.body }).toEqual(
        { token, ...INVALID_TOKEN },
      );
    }
  });

  it('a hanging or failing endpoint is invalid_token, or 503 when chosen', async () => {
    const hang = createAuthenticator({ schemes: [scheme('/hang', { timeoutMs: 150 })] });
    expect(
      rendered(hang, await hang.authenticate(bearer('t')), 'introspection_unavailable').status,
    ).toBe(401);
    const down = createAuthenticator({
      schemes: [scheme('/broken', { onUnavailable: 'temporarily_unavailable' })],
    });
    const r = rendered(down, await down.authenticate(bearer('t')), 'introspection_unavailable');
    expect(r.status).toBe(503);
    expect(r.wwwAuthenticate).toBe(
      'Bearer realm="api", error="temporarily_unavailable", error_description="Authentication is temporarily unavailable"',
    );
  });

  it('after jwt(), takes only the bearer tokens that are not JWTs', async () => {
    const { ES256 } = await testKeys();
    active['opaque-3'] = { active: true, sub: 'u3', exp: future() };
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: [ES256.jwk], now })), scheme()],
    });
    const before = server.hitsOf('/introspect');
    const viaJwt = await auth.authenticate(bearer(await sign(ES256)));
    expect(viaJwt.ok).toBe(false); // signed at the fixtures' fixed clock, expired by now: jwt refused it
    expect(server.hitsOf('/introspect')).toBe(before);
    const viaIntrospection = await auth.authenticate(bearer('opaque-3'));
    expect(viaIntrospection.ok && viaIntrospection.principal.scheme).toBe('opaque');
  });
});
