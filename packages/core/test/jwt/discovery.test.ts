import { metadataUrls } from '@authcore/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  clock,
  type JsonServer,
  makeKey,
  NOW,
  rendered,
  sign,
  startJsonServer,
  TEMPORARILY_UNAVAILABLE,
  type TestKey,
  userClaims,
} from '../fixtures.js';
import { discoveryAuthenticator } from '../helpers/remote.js';

let key: TestKey;
beforeAll(async () => {
  key = await makeKey('ES256', 'disc-1');
});

let server: JsonServer;
afterEach(() => server?.close());

const RFC8414 = '/.well-known/oauth-authorization-server/tenant';
const OIDC = '/tenant/.well-known/openid-configuration';

const discovering = (issuer: string, fetch?: typeof globalThis.fetch) =>
  discoveryAuthenticator(issuer, { fetch });

describe('metadataUrls', () => {
  it('RFC 8414 §3.1 path-inserted URL first, then OpenID Connect', () => {
    expect(metadataUrls('https://as.example')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
    expect(metadataUrls('https://as.example/tenant/')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ]);
  });
});

describe('discovery', () => {
  it('uses the RFC 8414 document first and its jwks_uri', async () => {
    server = await startJsonServer();
    const issuer = `${server.origin}/tenant`;
    server.json(RFC8414, { issuer, jwks_uri: `${server.origin}/keys-8414` });
    server.json(OIDC, { issuer, jwks_uri: `${server.origin}/keys-oidc` });
    server.json('/keys-8414', { keys: [key.jwk] });
    server.json('/keys-oidc', { keys: [] });
    const auth = discovering(issuer);
    const token = await sign(key, userClaims({ iss: issuer }));
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    expect(server.hitsOf(RFC8414)).toBe(1);
    expect(server.hitsOf(OIDC)).toBe(0);
    expect(server.hitsOf('/keys-8414')).toBe(1);
  });

  it('falls back to OpenID Connect Discovery', async () => {
    server = await startJsonServer();
    const issuer = `${server.origin}/tenant`;
    server.json(OIDC, { issuer, jwks_uri: `${server.origin}/keys` });
    server.json('/keys', { keys: [key.jwk] });
    const auth = discovering(issuer);
    expect((await auth.authenticate(bearer(await sign(key, userClaims({ iss: issuer }))))).ok).toBe(
      true,
    );
    expect(server.hitsOf(RFC8414)).toBe(1);
    expect(server.hitsOf(OIDC)).toBe(1);
    expect(server.hitsOf('/keys')).toBe(1);
  });

  it('refuses a document whose issuer is not the configured one', async () => {
    server = await startJsonServer();
    const issuer = `${server.origin}/tenant`;
    server.json(RFC8414, { issuer: `${issuer}/`, jwks_uri: `${server.origin}/keys` });
    server.json(OIDC, { issuer: 'https://evil.example', jwks_uri: `${server.origin}/keys` });
    server.json('/keys', { keys: [key.jwk] });
    const auth = discovering(issuer);
    const result = await auth.authenticate(bearer(await sign(key, userClaims({ iss: issuer }))));
    expect(rendered(auth, result, 'key_source_unavailable')).toEqual(TEMPORARILY_UNAVAILABLE);
    expect(server.hitsOf('/keys')).toBe(0);
  });

  it('a failed discovery is retried on a later request, after retryAfterFailureMs', async () => {
    server = await startJsonServer();
    const issuer = `${server.origin}/tenant`;
    const c = clock();
    const auth = discoveryAuthenticator(issuer, {
      now: c.now,
      jwks: { retryAfterFailureMs: 1_000 },
    });
    const token = await sign(key, userClaims({ iss: issuer }));
    const failed = await auth.authenticate(bearer(token));
    expect(rendered(auth, failed, 'key_source_unavailable')).toEqual(TEMPORARILY_UNAVAILABLE);
    expect(failed.ok || auth.render(failed.error).headers['retry-after']).toBe('1');
    server.json(OIDC, { issuer, jwks_uri: `${server.origin}/keys` });
    server.json('/keys', { keys: [key.jwk] });
    expect((await auth.authenticate(bearer(token))).ok).toBe(false);
    c.t = NOW + 1_500;
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
  });

  it('an https issuer must not send keys over http', async () => {
    server = await startJsonServer();
    const issuer = 'https://issuer.test';
    // The `fetch` option routes the https issuer to the local server (no network).
    const local: typeof fetch = (input, init) =>
      fetch(String(input).replace('https://issuer.test', server.origin), init);
    server.json('/.well-known/oauth-authorization-server', {
      issuer,
      jwks_uri: `${server.origin}/keys`,
    });
    server.json('/keys', { keys: [key.jwk] });
    const token = await sign(key, userClaims({ iss: issuer }));
    const auth = discovering(issuer, local);
    expect(
      rendered(auth, await auth.authenticate(bearer(token)), 'key_source_unavailable'),
    ).toEqual(TEMPORARILY_UNAVAILABLE);
    expect(server.hitsOf('/keys')).toBe(0);
    server.json('/.well-known/oauth-authorization-server', {
      issuer,
      jwks_uri: 'https://issuer.test/keys',
    });
    const ok = discovering(issuer, local);
    expect((await ok.authenticate(bearer(token))).ok).toBe(true);
    expect(server.hitsOf('/keys')).toBe(1);
  });
});
