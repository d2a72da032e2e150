import type { Authenticator, AuthResult, JwtOptions } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  clock,
  INVALID_TOKEN,
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
  userClaims,
} from '../fixtures.js';
import { closeAfterEach } from '../helpers/remote.js';

let a: TestKey;
let b: TestKey;
beforeAll(async () => {
  [a, b] = await Promise.all([makeKey('ES256', 'key-a'), makeKey('ES256', 'key-b')]);
});

const track = closeAfterEach();
const jwks = async (keys = [a.jwk]): Promise<JwksServer> => track(await startJwksServer(keys));

const INVALID = { ...INVALID_TOKEN, code: 'invalid_token' };
const UNAVAILABLE = TEMPORARILY_UNAVAILABLE;
const retryAfter = <P>(auth: Authenticator<P>, result: AuthResult<P>) =>
  result.ok ? undefined : auth.render(result.error).headers['retry-after'];

function remote(server: JwksServer, overrides: Partial<JwtOptions> = {}) {
  return jwtAuthenticator({ jwksUri: server.url, cache: false, ...overrides });
}

describe('remote JWKS', () => {
  it('verifies with fetched keys and reuses them', async () => {
    const server = await jwks();
    const auth = remote(server);
    const token = await sign(a);
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(server.hits).toBe(1);
  });

  it('a key replaced under the same kid is used once the keys are refreshed, never the old one', async () => {
    const server = await jwks([a.jwk, b.jwk]);
    const c = clock();
    const auth = remote(server, { now: c.now, jwks: { cacheMaxAgeMs: 60_000 } });
    const claims = () => userClaims({ iat: c.t / 1000, exp: c.t / 1000 + 600 });
    expect((await auth.authenticate(bearer(await sign(a, claims())))).ok).toBe(true);
    expect((await auth.authenticate(bearer(await sign(b, claims())))).ok).toBe(true);
    const successor = await makeKey('ES256', 'key-b');
    server.keys = [a.jwk, successor.jwk];
    c.t += 61_000;
    // The refresh comes from a key-a token; key-b was last chosen from the old keys.
    expect((await auth.authenticate(bearer(await sign(a, claims())))).ok).toBe(true);
    expect(server.hits).toBe(2);
    expect(
      rendered(auth, await auth.authenticate(bearer(await sign(b, claims()))), 'signature_invalid'),
    ).toEqual(INVALID);
    expect((await auth.authenticate(bearer(await sign(successor, claims())))).ok).toBe(true);
  });

  it('concurrent first requests share one fetch', async () => {
    const server = await jwks();
    server.delayMs = 50;
    const auth = remote(server);
    const token = await sign(a);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => auth.authenticate(bearer(token))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.hits).toBe(1);
  });

  it('key rotation: a new kid is picked up after the cooldown', async () => {
    const server = await jwks();
    const c = clock();
    const auth = remote(server, { now: c.now, jwks: { cooldownMs: 30_000 } });
    expect((await auth.authenticate(bearer(await sign(a)))).ok).toBe(true);
    server.keys = [a.jwk, b.jwk];
    const tokenB = await sign(b);
    // Within the cooldown of the first fetch an unknown kid does not refetch.
    c.t = NOW + 10_000;
    expect(rendered(auth, await auth.authenticate(bearer(tokenB)), 'unknown_kid')).toEqual(INVALID);
    expect(server.hits).toBe(1);
    c.t = NOW + 31_000;
    expect((await auth.authenticate(bearer(tokenB))).ok).toBe(true);
    expect(server.hits).toBe(2);
    expect((await auth.authenticate(bearer(await sign(a)))).ok).toBe(true);
    expect(server.hits).toBe(2);
  });

  it('keys are refreshed once cacheMaxAge has passed', async () => {
    const server = await jwks();
    const c = clock();
    const auth = remote(server, { now: c.now, jwks: { cacheMaxAgeMs: 60_000 } });
    const token = await sign(a);
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    c.t = NOW + 61_000;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(server.hits).toBe(2);
  });

  it('a burst of 50 unknown kids causes at most one refetch per cooldown', async () => {
    const server = await jwks();
    const c = clock();
    const auth = remote(server, { now: c.now, jwks: { cooldownMs: 30_000 } });
    expect((await auth.authenticate(bearer(await sign(a)))).ok).toBe(true);
    const forged = await Promise.all(
      Array.from({ length: 50 }, (_, i) => sign(a, userClaims(), { header: { kid: `k${i}` } })),
    );
    const burst = () => Promise.all(forged.map((t) => auth.authenticate(bearer(t))));
    c.t = NOW + 31_000;
    const first = await burst();
    expect(first.every((r) => !r.ok)).toBe(true);
    expect(server.hits).toBe(2);
    c.t = NOW + 50_000;
    await burst();
    expect(server.hits).toBe(2);
    c.t = NOW + 62_000;
    await burst();
    expect(server.hits).toBe(3);
  });

  it('stale-if-error: the endpoint dies after the first fetch, last good keys still serve', async () => {
    const server = await jwks();
    const c = clock();
    const auth = remote(server, {
      now: c.now,
      jwks: { cacheMaxAgeMs: 60_000, cooldownMs: 1_000, staleIfErrorMs: 120_000 },
    });
    const token = await sign(a, userClaims({ exp: NOW / 1000 + 3600 }));
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    await server.close();
    c.t = NOW + 61_000;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    c.t = NOW + 170_000;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it('stale-if-error is bounded, also within the cooldown after a failed refresh', async () => {
    const server = await jwks();
    const c = clock();
    const auth = remote(server, {
      now: c.now,
      jwks: { cacheMaxAgeMs: 60_000, cooldownMs: 30_000, staleIfErrorMs: 60_000 },
    });
    const token = await sign(a, userClaims({ exp: NOW / 1000 + 3600 }));
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    server.status = 500;
    c.t = NOW + 100_000; // stale but within staleIfError: served
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(server.hits).toBe(2);
    c.t = NOW + 121_000; // past cacheMaxAge + staleIfError: no keys, the key source is down
    const past = await auth.authenticate(bearer(token));
    expect(rendered(auth, past, 'key_source_unavailable')).toEqual(UNAVAILABLE);
    expect(retryAfter(auth, past)).toBe('9'); // the cooldown of the refresh at +100 s
    c.t = NOW + 122_000; // still past it, inside the cooldown of that failed refresh
    const cooling = await auth.authenticate(bearer(token));
    expect(rendered(auth, cooling, 'key_source_unavailable')).toEqual(UNAVAILABLE);
    expect(retryAfter(auth, cooling)).toBe('8');
    server.status = 200;
    c.t = NOW + 160_000; // the endpoint is back: fresh keys
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it('a slow endpoint times out', async () => {
    const server = await jwks();
    server.delayMs = 1_000;
    const auth = remote(server, { jwks: { timeoutMs: 100 } });
    const started = performance.now();
    const slow = await auth.authenticate(bearer(await sign(a)));
    expect(rendered(auth, slow, 'key_source_unavailable')).toEqual(UNAVAILABLE);
    expect(retryAfter(auth, slow)).toBe('1');
    expect(performance.now() - started).toBeLessThan(800);
  });

  it.each([
    ['with content-length', false],
    ['chunked without content-length', true],
  ])('an oversized body is refused, %s', async (_name, chunked) => {
    const server = await jwks();
    server.padTo = 70_000;
    server.chunked = chunked;
    const auth = remote(server);
    expect(
      rendered(auth, await auth.authenticate(bearer(await sign(a))), 'key_source_unavailable'),
    ).toEqual(UNAVAILABLE);
    const small = remote(server, { jwks: { maxResponseBytes: 100_000 } });
    expect((await small.authenticate(bearer(await sign(a)))).ok).toBe(true);
  });

  it('an error status, a body that is no JWKS, and a redirect are refused', async () => {
    const server = await jwks();
    server.status = 503;
    const down = remote(server);
    expect(
      rendered(down, await down.authenticate(bearer(await sign(a))), 'key_source_unavailable'),
    ).toEqual(UNAVAILABLE);
    const other = await startJsonServer();
    track(other);
    other.json('/not-jwks', { hello: 'world' });
    other.route('/text', (_req, res) => void res.writeHead(200).end('not json'));
    other.route(
      '/redirect',
      (_req, res) => void res.writeHead(302, { location: server.url }).end(),
    );
    server.status = 200;
    for (const path of ['/not-jwks', '/text', '/redirect']) {
      const auth = jwtAuthenticator({ jwksUri: `${other.origin}${path}` });
      expect(
        rendered(auth, await auth.authenticate(bearer(await sign(a))), 'key_source_unavailable'),
      ).toEqual(UNAVAILABLE);
    }
  });

  it('an unreachable endpoint at start is temporarily_unavailable, is not refetched per request, then recovers', async () => {
    const server = await jwks();
    server.status = 500;
    const c = clock();
    const auth = remote(server, { now: c.now, jwks: { retryAfterFailureMs: 1_000 } });
    const token = await sign(a);
    const first = await auth.authenticate(bearer(token));
    expect(rendered(auth, first, 'key_source_unavailable')).toEqual(UNAVAILABLE);
    expect(retryAfter(auth, first)).toBe('1');
    expect(server.hits).toBe(1);
    // A burst right after the failure is refused without hitting the endpoint again.
    server.status = 200;
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => auth.authenticate(bearer(token))),
    );
    expect(burst.every((r) => !r.ok)).toBe(true);
    expect(server.hits).toBe(1);
    c.t = NOW + 1_500;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(server.hits).toBe(2);
  });
});
