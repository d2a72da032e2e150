import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator, fetchRequestView, jwt } from '@authcore/core';
import {
  createIssuer,
  memoryCodeStore,
  memoryRefreshTokenStore,
  toNodeListener,
} from '@authcore/issuer';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, CLIENTS, post, SERVICE, serve } from './helpers.js';

describe('createIssuer validates its options once', () => {
  const base = { issuer: 'https://issuer.test', clients: CLIENTS };
  it.each([
    [{ issuer: undefined }, 'createIssuer: `issuer` is required'],
    [{ issuer: 'issuer.test' }, 'createIssuer: `issuer` must be an absolute URL'],
    [{ issuer: 'ftp://issuer.test' }, 'createIssuer: `issuer` must be an http(s) URL'],
    [
      { issuer: 'https://issuer.test/?x=1' },
      'createIssuer: `issuer` must have no query or fragment (RFC 8414)',
    ],
    [
      { accessTokenTtl: 60 },
      'createIssuer: `accessTokenTtl` must be an integer from 300 to 900 seconds',
    ],
    [
      { accessTokenTtl: 3600 },
      'createIssuer: `accessTokenTtl` must be an integer from 300 to 900 seconds',
    ],
    [{ codeTtl: 0 }, 'createIssuer: `codeTtl` must be an integer from 1 to 600 seconds'],
    [
      { keyGracePeriod: 60 },
      'createIssuer: `keyGracePeriod` must be an integer from 600 to 31622400 seconds',
    ],
    [
      { algorithm: 'HS256' },
      'createIssuer: `algorithm` must be one of ES256, ES384, EdDSA, PS256, RS256',
    ],
    [
      { clients: undefined },
      'createIssuer: `clients` must be an array of client configurations or a ClientStore',
    ],
    [{ paths: { token: 'token' } }, 'createIssuer: `paths.token` must start with /'],
    [{ paths: { token: '/x', revoke: '/x' } }, 'createIssuer: two endpoints on /x'],
    [
      {
        clients: [
          { clientId: 'a', clientSecret: 's' },
          { clientId: 'a', clientSecret: 't' },
        ],
      },
      'client a: configured twice',
    ],
    [
      { clients: [{ clientId: 'p', grantTypes: ['client_credentials'] }] },
      'client p: a public client cannot use client_credentials',
    ],
    [
      { clients: [{ clientId: 'c', clientSecret: 's', grantTypes: ['authorization_code'] }] },
      'client c: authorization_code needs `redirectUris`',
    ],
    [
      { clients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['https://a.test/cb#x'] }] },
      'client c: redirect URI https://a.test/cb#x must not have a fragment',
    ],
    [
      { clients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['/cb'] }] },
      'client c: redirect URI /cb is not an absolute URL',
    ],
  ])('%o', (override, message) => {
    expect(() => createIssuer({ ...base, ...override } as never)).toThrow(new TypeError(message));
  });
});

describe('routing and metadata', () => {
  it('serves RFC 8414 metadata with every endpoint', async () => {
    const served = await serve();
    try {
      const res = await fetch(`${served.url}/.well-known/oauth-authorization-server`);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({
        issuer: served.url,
        authorization_endpoint: `${served.url}/authorize`,
        token_endpoint: `${served.url}/token`,
        jwks_uri: `${served.url}/jwks`,
        revocation_endpoint: `${served.url}/revoke`,
        introspection_endpoint: `${served.url}/introspect`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'none',
        ],
        revocation_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'none',
        ],
        introspection_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
        ],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['read', 'write', 'admin'],
        authorization_response_iss_parameter_supported: true,
        dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'],
      });
      expect(served.issuer.metadata.issuer).toBe(served.url);
      expect((await fetch(`${served.url}/nope`)).status).toBe(404);
      expect((await fetch(`${served.url}/jwks`, { method: 'POST' })).status).toBe(405);
    } finally {
      await served.close();
    }
  });

  it('without an authorize hook: no code flow advertised, /authorize is 404', async () => {
    const served = await serve({ authorize: undefined });
    try {
      const meta = (await (
        await fetch(`${served.url}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>;
      expect(meta).not.toHaveProperty('authorization_endpoint');
      expect(meta.grant_types_supported).toEqual(['client_credentials']);
      expect((await fetch(`${served.url}/authorize?client_id=webapp`)).status).toBe(404);
    } finally {
      await served.close();
    }
  });

  it('an issuer with a path: endpoints under it, metadata per RFC 8414 §3.1, core discovery works', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const issuer = createIssuer({ issuer: `${origin}/oauth`, clients: CLIENTS });
    server.on('request', toNodeListener(issuer));
    try {
      expect(issuer.paths).toEqual({
        authorize: '/oauth/authorize',
        token: '/oauth/token',
        revoke: '/oauth/revoke',
        introspect: '/oauth/introspect',
        jwks: '/oauth/jwks',
        metadata: '/.well-known/oauth-authorization-server/oauth',
        registration: '/oauth/register',
      });
      const token = (
        await post(
          `${origin}/oauth/token`,
          { grant_type: 'client_credentials' },
          { authorization: SERVICE },
        )
      ).body!.access_token as string;
      const auth = createAuthenticator({
        schemes: [
          jwt({
            issuer: `${origin}/oauth`,
            audience: AUDIENCE,
            algorithms: ['ES256'],
            discovery: true,
          }),
        ],
      });
      const result = await auth.authenticate(
        fetchRequestView(
          new Request('http://api.test/', { headers: { authorization: `Bearer ${token}` } }),
        ),
      );
      expect(result.ok).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('custom paths', async () => {
    const issuer = createIssuer({
      issuer: 'https://issuer.test',
      clients: CLIENTS,
      paths: { token: '/oauth2/token', jwks: '/.well-known/jwks.json' },
    });
    expect(issuer.metadata.token_endpoint).toBe('https://issuer.test/oauth2/token');
    expect(issuer.metadata.jwks_uri).toBe('https://issuer.test/.well-known/jwks.json');
    const res = await issuer.fetch(new Request('https://issuer.test/.well-known/jwks.json'));
    expect(res.status).toBe(200);
  });

  it('runs as a plain fetch handler, no server needed', async () => {
    const issuer = createIssuer({ issuer: 'https://issuer.test', clients: CLIENTS });
    const res = await issuer.fetch(
      new Request('https://issuer.test/token', {
        method: 'POST',
        headers: { authorization: SERVICE, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
    );
    expect(res.status).toBe(200);
  });

  it('answers server_error and reports it when a store fails', async () => {
    const errors: unknown[] = [];
    const issuer = createIssuer({
      issuer: 'https://issuer.test',
      clients: { get: () => Promise.reject(new Error('store down')) },
      onError: (e) => errors.push(e),
    });
    const res = await issuer.fetch(
      new Request('https://issuer.test/token', {
        method: 'POST',
        headers: { authorization: SERVICE, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'server_error' });
    expect(errors).toEqual([new Error('store down')]);
  });
});

describe('toNodeListener', () => {
  it('hands paths the issuer does not serve to next (Express, Connect)', async () => {
    const issuer = createIssuer({ issuer: 'http://127.0.0.1:1', clients: CLIENTS });
    expect(issuer.handles('/token')).toBe(true);
    expect(issuer.handles('/hello')).toBe(false);
    const listener = toNodeListener(issuer);
    const server = createServer((req, res) =>
      listener(req, res, () => {
        res.statusCode = 299;
        res.end('next');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const other = await fetch(`${url}/hello?x=1`);
      expect([other.status, await other.text()]).toEqual([299, 'next']);
      expect((await fetch(`${url}/jwks?x=1`)).status).toBe(200);
      const big = await post(
        `${url}/token`,
        { grant_type: 'client_credentials', pad: 'x'.repeat(70_000) },
        { authorization: SERVICE },
      );
      expect(big.status).toBe(413);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('memory stores', () => {
  it('consume is atomic: one of many concurrent callers wins', async () => {
    const codes = memoryCodeStore();
    await codes.save({
      codeHash: 'h',
      clientId: 'c',
      redirectUri: 'https://a.test/cb',
      redirectUriInRequest: true,
      userId: 'u',
      scopes: [],
      audience: ['a'],
      codeChallenge: 'x',
      familyId: 'f',
      issuedAt: 0,
      expiresAt: Date.now() + 60_000,
      retainUntil: Date.now() + 60_000,
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => codes.consume('h', i)));
    expect(results.filter((r) => r && !r.alreadyUsed)).toHaveLength(1);
    expect(results.every((r) => r?.usedAt === 0)).toBe(true);
    expect(await codes.consume('nope', 0)).toBeUndefined();
  });

  it('refresh families: revoking returns the tracked access tokens and refuses new ones', async () => {
    const store = memoryRefreshTokenStore();
    const until = Date.now() + 60_000;
    expect(await store.trackAccessToken('f', { jti: 'a', expiresAt: until }, until)).toEqual([]);
    expect(await store.revokeFamily('f', until)).toEqual([{ jti: 'a', expiresAt: until }]);
    expect(await store.isFamilyRevoked('f')).toBe(true);
    expect(await store.trackAccessToken('f', { jti: 'b', expiresAt: until }, until)).toBe(false);
  });

  it('drops records after their expiry by the given clock', async () => {
    let t = 0;
    const store = memoryRefreshTokenStore({ now: () => t });
    await store.save({
      tokenHash: 'h',
      familyId: 'f',
      clientId: 'c',
      userId: 'u',
      scopes: [],
      audience: ['a'],
      issuedAt: 0,
      expiresAt: 1000,
    });
    expect(await store.find('f', 'h')).toMatchObject({ used: false });
    t = 1000;
    expect(await store.find('f', 'h')).toBeUndefined();
    expect(await store.consume('f', 'h', t)).toBeUndefined();
  });
});

describe('request body bound', () => {
  it('refuses a form body over 64 KiB through the fetch handler, with or without content-length', async () => {
    const issuer = createIssuer({ issuer: 'http://127.0.0.1:1', clients: [] });
    const big = `grant_type=client_credentials&pad=${'x'.repeat(70_000)}`;
    const declared = await issuer.fetch(
      new Request('http://127.0.0.1:1/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: big,
      }),
    );
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the request body is too large',
    });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await issuer.fetch(
      new Request('http://127.0.0.1:1/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
  });
});
