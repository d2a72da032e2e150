import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type AnyPrincipal, type Authenticator, createAuthenticator, jwt } from '@authcore/core';
import { type RunningExample, startExample } from '@authcore/example-shared';
import { createTestIssuer, listenOnLoopback, type TestIssuer } from '@authcore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener } from '../src/app.js';

const INVALID_TOKEN = {
  status: 401,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  body: '{"error":"invalid_token","error_description":"The access token is invalid"}',
};

async function answer(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    wwwAuthenticate: res.headers.get('www-authenticate'),
    body: await res.text(),
  };
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer?.close());

describe('the node:http listener answers 500 and keeps serving when a request fails', () => {
  it('an authenticator that throws or rejects is a 500 JSON answer, and the next request is served', async () => {
    const real = createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] });
    // Fails the way a bug would, for requests that carry `x-fail`.
    const failing: Authenticator<AnyPrincipal> = {
      ...real,
      authenticate: ((view, options) => {
        const how = view.headers('x-fail')[0];
        if (how === 'throw') throw new Error('bug');
        if (how === 'reject') return Promise.reject(new Error('bug'));
        return real.authenticate(view, options);
      }) as Authenticator<AnyPrincipal>['authenticate'],
    };
    const server = await listenOnLoopback(createServer(createListener(failing)));
    try {
      for (const how of ['throw', 'reject']) {
        expect(await answer(`${server.url}/v1/me`, { 'x-fail': how })).toEqual({
          status: 500,
          contentType: 'application/json',
          wwwAuthenticate: null,
          body: '{"error":"server_error"}',
        });
      }
      const token = await issuer.issueToken({ sub: 'user-1' });
      const me = await answer(`${server.url}/v1/me`, { authorization: `Bearer ${token}` });
      expect([me.status, JSON.parse(me.body).id]).toEqual([200, 'user-1']);
    } finally {
      await server.close();
    }
  });
});

describe('examples/node-http as a real process', () => {
  let example: RunningExample;
  beforeAll(async () => {
    example = await startExample(fileURLToPath(new URL('..', import.meta.url)), {
      AUTHCORE_ISSUER: issuer.issuer,
      AUTHCORE_AUDIENCE: issuer.audience,
      AUTHCORE_JWKS_URI: issuer.jwksUri,
    });
  });
  afterAll(() => example?.stop());

  it('a trusted token with exp 1e300 is invalid_token, and the process stays up', async () => {
    const token = await issuer.issueToken({ exp: 1e300 });
    for (const path of ['/v1/me', '/v1/optional', '/v1/me']) {
      const refused = await answer(`${example.url}${path}`, { authorization: `Bearer ${token}` });
      expect(refused).toEqual({
        ...INVALID_TOKEN,
        // The example's challenges name its RFC 9728 document.
        wwwAuthenticate: `${INVALID_TOKEN.wwwAuthenticate}, resource_metadata="https://api.test/.well-known/oauth-protected-resource"`,
        contentType: 'application/json',
      });
    }
    expect((await answer(`${example.url}/health`)).status).toBe(200);
    const valid = await issuer.issueToken({ sub: 'user-1' });
    const me = await answer(`${example.url}/v1/me`, { authorization: `Bearer ${valid}` });
    expect([me.status, JSON.parse(me.body).id]).toEqual([200, 'user-1']);
  });
});
