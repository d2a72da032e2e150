// §4: a key source that cannot be had is not the client's fault. A valid-looking token is then
// answered 503 temporarily_unavailable with Retry-After, never 401 invalid_token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Authenticator, type AuthResult, createAuthenticator, jwt } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearer,
  clock,
  INVALID_TOKEN,
  ISSUER,
  type JsonServer,
  type JwksServer,
  jwtAuthenticator,
  makeKey,
  NOW,
  rendered,
  sign,
  startJsonServer,
  startJwksServer,
  TEMPORARILY_UNAVAILABLE,
  type TestKey,
} from '../fixtures.js';
import { closeAfterEach, discoveryAuthenticator } from '../helpers/remote.js';

let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  [key, other] = await Promise.all([makeKey('ES256', 'k-1'), makeKey('ES256', 'k-2')]);
});

const track = closeAfterEach();

/** The whole response, `Retry-After` included. */
function response<P>(auth: Authenticator<P>, result: AuthResult<P>) {
  if (result.ok) throw new Error('expected a failure');
  const r = auth.render(result.error);
  return { status: r.status, headers: r.headers, body: r.body, reason: result.error.reason };
}
const UNAVAILABLE_RESPONSE = (retryAfter: string) => ({
  status: 503,
  headers: {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'www-authenticate': TEMPORARILY_UNAVAILABLE.wwwAuthenticate,
    'retry-after': retryAfter,
  },
  body: TEMPORARILY_UNAVAILABLE.body,
  reason: 'key_source_unavailable',
});

const remote = (url: string, c: { now: () => number }, jwks = {}) =>
  jwtAuthenticator({
    jwksUri: url,
    now: c.now,
    cache: false,
    jwks: { retryAfterFailureMs: 2_000, ...jwks },
  });

// A JWKS server on a port of our own, so it can go down and come back on the same port.
async function listen(port: number, keys: unknown): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
const shut = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('JWKS outage', () => {
  it('an endpoint that is down: 503 with Retry-After, then 200 once it is back', async () => {
    const first = await listen(0, [key.jwk]);
    const { port } = first.address() as AddressInfo;
    await shut(first);
    const c = clock();
    const auth = remote(`http://127.0.0.1:${port}/jwks.json`, c);
    const token = await sign(key);
    const down = await auth.authenticate(bearer(token));
    expect(response(auth, down)).toEqual(UNAVAILABLE_RESPONSE('2'));
    c.t = NOW + 500;
    expect(response(auth, await auth.authenticate(bearer(token)))).toEqual(
      UNAVAILABLE_RESPONSE('2'), // 1.5 s left, rounded up
    );
    const back = await listen(port, [key.jwk]);
    track({ close: () => shut(back) });
    c.t = NOW + 2_500;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it('an endpoint answering 500: 503, then 200 after recovery', async () => {
    const server = track(await startJwksServer([key.jwk]));
    server.status = 500;
    const c = clock();
    const auth = remote(server.url, c, { retryAfterFailureMs: 1_000 });
    const token = await sign(key);
    expect(response(auth, await auth.authenticate(bearer(token)))).toEqual(
      UNAVAILABLE_RESPONSE('1'),
    );
    server.status = 200;
    c.t = NOW + 1_001;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it('an endpoint that hangs: refused at the fetch timeout with 503, then 200', async () => {
    const server = track(await startJwksServer([key.jwk]));
    server.delayMs = 5_000;
    const c = clock();
    const auth = remote(server.url, c, { timeoutMs: 150, retryAfterFailureMs: 1_000 });
    const token = await sign(key);
    const started = performance.now();
    const result = await auth.authenticate(bearer(token));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(response(auth, result)).toEqual(UNAVAILABLE_RESPONSE('1'));
    server.delayMs = 0;
    c.t = NOW + 1_500;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it('invalid JSON and a JWKS without keys are outages too', async () => {
    const server: JsonServer = track(await startJsonServer());
    server.route('/text', (_req, res) => void res.writeHead(200).end('{"keys": ['));
    server.json('/empty', { keys: [] });
    server.json('/none', {});
    const token = await sign(key);
    for (const path of ['/text', '/empty', '/none']) {
      const auth = remote(`${server.origin}${path}`, clock());
      expect(response(auth, await auth.authenticate(bearer(token)))).toEqual(
        UNAVAILABLE_RESPONSE('2'),
      );
    }
  });

  it('an unknown kid after a successful fetch stays 401 unknown_kid', async () => {
    const server = track(await startJwksServer([key.jwk]));
    const auth = remote(server.url, clock());
    expect((await auth.authenticate(bearer(await sign(key)))).ok).toBe(true);
    const result = await auth.authenticate(bearer(await sign(other)));
    expect(rendered(auth, result, 'unknown_kid')).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
    });
    expect(result.ok || result.error.headers['retry-after']).toBeUndefined();
  });

  it('a failed discovery is an outage: 503 with Retry-After', async () => {
    const server = track(await startJsonServer());
    const issuer = `${server.origin}/tenant`;
    const c = clock();
    const auth = discoveryAuthenticator(issuer, {
      now: c.now,
      jwks: { retryAfterFailureMs: 1_000 },
    });
    const token = await sign(key, { iss: issuer, aud: AUDIENCE, sub: 'u', exp: NOW / 1000 + 600 });
    expect(response(auth, await auth.authenticate(bearer(token)))).toEqual(
      UNAVAILABLE_RESPONSE('1'),
    );
    server.json(`/tenant/.well-known/openid-configuration`, {
      issuer,
      jwks_uri: `${server.origin}/keys`,
    });
    server.json('/keys', { keys: [key.jwk] });
    c.t = NOW + 1_001;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });
});

describe('authenticator.ready()', () => {
  it('fetches the keys ahead: ready, and the first request fetches nothing more', async () => {
    const server: JwksServer = track(await startJwksServer([key.jwk]));
    const auth = remote(server.url, clock());
    expect(await auth.ready()).toEqual({ ok: true, schemes: [{ name: 'jwt', ok: true }] });
    expect(server.hits).toBe(1);
    expect((await auth.authenticate(bearer(await sign(key)))).ok).toBe(true);
    expect(server.hits).toBe(1);
  });

  it('reports a key source that is down, without throwing, and is ready once it is back', async () => {
    const server: JwksServer = track(await startJwksServer([key.jwk]));
    server.status = 500;
    const c = clock();
    const auth = remote(server.url, c, { retryAfterFailureMs: 1_000 });
    const down = await auth.ready();
    expect(down.ok).toBe(false);
    expect(down.schemes).toHaveLength(1);
    expect(down.schemes[0]).toMatchObject({ name: 'jwt', ok: false });
    expect(down.schemes[0]?.error).toBeInstanceOf(Error);
    // A probe right after the failure does not hit the endpoint again.
    expect((await auth.ready()).ok).toBe(false);
    expect(server.hits).toBe(1);
    server.status = 200;
    c.t = NOW + 1_001;
    expect((await auth.ready()).ok).toBe(true);
    // Fresh keys are not refetched by every probe.
    expect((await auth.ready()).ok).toBe(true);
    expect(server.hits).toBe(2);
  });

  it('schemes with nothing to fetch are ready at once', async () => {
    const auth = createAuthenticator({
      schemes: [jwt({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], keys: key.jwk })],
    });
    expect(await auth.ready()).toEqual({ ok: true, schemes: [{ name: 'jwt', ok: true }] });
  });
});
