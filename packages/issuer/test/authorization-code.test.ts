import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  authorizeCode,
  challengeOf,
  codeFor,
  post,
  REDIRECT,
  type Served,
  serve,
  VERIFIER,
  verify,
  WEBAPP,
} from './helpers.js';

let served: Served;
let challenge: string;
beforeAll(async () => {
  served = await serve();
  challenge = await challengeOf(VERIFIER);
});
afterAll(() => served.close());

const valid = () => ({
  response_type: 'code',
  client_id: 'webapp',
  redirect_uri: REDIRECT,
  code_challenge: challenge,
  code_challenge_method: 'S256',
  scope: 'read write',
  state: 'st-123',
});

const exchange = (code: string, extra: Record<string, string> = {}, auth = WEBAPP) =>
  post(
    `${served.url}/token`,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...extra,
    },
    auth ? { authorization: auth } : {},
  );

describe('GET /authorize', () => {
  it('redirects with a code, the state and iss (RFC 9207)', async () => {
    const { status, location, response } = await authorizeCode(served, valid());
    expect(status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(location!.origin + location!.pathname).toBe(REDIRECT);
    expect([...location!.searchParams.keys()]).toEqual(['code', 'state', 'iss']);
    expect(location!.searchParams.get('state')).toBe('st-123');
    expect(location!.searchParams.get('iss')).toBe(served.url);
  });

  it('lets the host answer with its own page', async () => {
    const url = new URL(`${served.url}/authorize`);
    for (const [k, v] of Object.entries(valid())) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<h1>log in</h1>');
  });

  it('uses the only registered redirect URI when none is given', async () => {
    const { location } = await authorizeCode(served, {
      ...valid(),
      client_id: 'spa',
      scope: 'read',
      redirect_uri: '',
    });
    expect(location!.searchParams.get('code')).toEqual(expect.any(String));
  });

  const shown: [string, Record<string, string>, object][] = [
    [
      'missing client_id',
      { client_id: '' },
      { error: 'invalid_request', error_description: 'client_id is required' },
    ],
    [
      'unknown client',
      { client_id: 'ghost' },
      { error: 'invalid_request', error_description: 'unknown client_id' },
    ],
    [
      'unregistered redirect_uri',
      { redirect_uri: 'http://127.0.0.1/evil' },
      {
        error: 'invalid_request',
        error_description: 'redirect_uri is not registered for this client',
      },
    ],
    [
      'redirect_uri differing by a trailing slash',
      { redirect_uri: `${REDIRECT}/` },
      {
        error: 'invalid_request',
        error_description: 'redirect_uri is not registered for this client',
      },
    ],
    [
      'no redirect_uri with two registered',
      { redirect_uri: '' },
      { error: 'invalid_request', error_description: 'redirect_uri is required' },
    ],
  ];
  it.each(shown)('shows, never redirects: %s', async (_name, override, body) => {
    const { status, location, response } = await authorizeCode(served, { ...valid(), ...override });
    expect(status).toBe(400);
    expect(location).toBeUndefined();
    expect(await response.json()).toEqual(body);
  });

  const redirected: [string, Record<string, string>, string, string | undefined][] = [
    [
      'missing response_type',
      { response_type: '' },
      'invalid_request',
      'response_type is required',
    ],
    [
      'response_type=token',
      { response_type: 'token' },
      'unsupported_response_type',
      'only response_type=code is supported',
    ],
    [
      'no PKCE',
      { code_challenge: '', code_challenge_method: '' },
      'invalid_request',
      'code_challenge is required (PKCE)',
    ],
    [
      'plain PKCE',
      { code_challenge_method: 'plain' },
      'invalid_request',
      'code_challenge_method must be S256',
    ],
    [
      'implicit plain PKCE',
      { code_challenge_method: '' },
      'invalid_request',
      'code_challenge_method must be S256',
    ],
    [
      'malformed challenge',
      { code_challenge: 'short' },
      'invalid_request',
      'malformed code_challenge',
    ],
    [
      'scope beyond the client',
      { scope: 'read root' },
      'invalid_scope',
      'a requested scope is not allowed for this client',
    ],
    [
      'resource not allowed',
      { resource: 'https://evil.test' },
      'invalid_target',
      'a requested resource is not allowed for this client',
    ],
  ];
  it.each(redirected)('redirects the error: %s', async (_name, override, error, description) => {
    const { status, location } = await authorizeCode(served, { ...valid(), ...override });
    expect(status).toBe(302);
    expect(Object.fromEntries(location!.searchParams)).toEqual({
      error,
      ...(description && { error_description: description }),
      state: 'st-123',
      iss: served.url,
    });
  });

  it('redirects unauthorized_client to a client without the code grant', async () => {
    const { location } = await authorizeCode(served, { ...valid(), client_id: 'cc-only' });
    expect(Object.fromEntries(location!.searchParams)).toEqual({
      error: 'unauthorized_client',
      error_description: 'this client may not use the authorization code flow',
      state: 'st-123',
      iss: served.url,
    });
  });

  it('redirects access_denied when the host refuses', async () => {
    const { location } = await authorizeCode(served, valid(), 'deny');
    expect(Object.fromEntries(location!.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'the user said no',
      state: 'st-123',
      iss: served.url,
    });
  });

  it('refuses a repeated parameter without redirecting', async () => {
    const url = new URL(`${served.url}/authorize`);
    for (const [k, v] of Object.entries(valid())) url.searchParams.set(k, v);
    url.searchParams.append('scope', 'admin');
    const res = await fetch(url, { redirect: 'manual', headers: { 'x-test-user': 'alice' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'a parameter is repeated',
    });
  });

  it('accepts POST with a form body, leaving the body readable to the hook', async () => {
    let seen = '';
    const local = await serve({
      authorize: async (request) => {
        seen = await request.text();
        return { userId: 'bob' };
      },
    });
    try {
      const res = await fetch(`${local.url}/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(valid()),
      });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      expect(seen).toContain('client_id=webapp');
    } finally {
      await local.close();
    }
  });

  it('redirects server_error when the hook throws', async () => {
    const local = await serve({
      authorize: () => {
        throw new Error('database down');
      },
    });
    try {
      const { location } = await authorizeCode(local, valid());
      expect(Object.fromEntries(location!.searchParams)).toEqual({
        error: 'server_error',
        state: 'st-123',
        iss: local.url,
      });
    } finally {
      await local.close();
    }
  });
});

describe('authorization_code grant', () => {
  it('exchanges a code with PKCE for a user token and a refresh token', async () => {
    const code = await codeFor(served, 'webapp', { scope: 'read write' });
    const res = await exchange(code);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'read write',
      refresh_token: expect.any(String),
    });
    expect(decodeJwt(res.body!.access_token as string)).toMatchObject({
      sub: 'alice',
      client_id: 'webapp',
      aud: AUDIENCE,
      scope: 'read write',
      acr: 'pwd',
    });
    const result = await verify(served, res.body!.access_token as string);
    expect(result.ok && result.principal).toMatchObject({ kind: 'user', id: 'alice', acr: 'pwd' });
  });

  it('lets a public client redeem with PKCE alone', async () => {
    const code = await codeFor(served, 'spa', { scope: 'read' });
    const res = await exchange(code, { client_id: 'spa' }, '');
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('refresh_token');
  });

  it('issues no refresh token to a client without the refresh grant', async () => {
    const code = await codeFor(served, 'code-only', { scope: 'read' });
    const res = await exchange(
      code,
      { client_id: 'code-only', client_secret: 'code-only-secret-0123456789abcdef' },
      '',
    );
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('refresh_token');
  });

  const failures: [string, (code: string) => Record<string, string>, number, object][] = [
    [
      'missing code',
      () => ({ code: '' }),
      400,
      { error: 'invalid_request', error_description: 'code is required' },
    ],
    [
      'missing code_verifier',
      () => ({ code_verifier: '' }),
      400,
      { error: 'invalid_request', error_description: 'code_verifier is required' },
    ],
    [
      'wrong code_verifier',
      () => ({ code_verifier: 'x'.repeat(43) }),
      400,
      { error: 'invalid_grant', error_description: 'PKCE verification failed' },
    ],
    [
      'malformed code_verifier',
      () => ({ code_verifier: 'short' }),
      400,
      { error: 'invalid_grant', error_description: 'PKCE verification failed' },
    ],
    [
      'another redirect_uri',
      () => ({ redirect_uri: 'http://127.0.0.1/other' }),
      400,
      {
        error: 'invalid_grant',
        error_description: 'redirect_uri does not match the authorization request',
      },
    ],
    [
      'no redirect_uri although the request had one',
      () => ({ redirect_uri: '' }),
      400,
      {
        error: 'invalid_grant',
        error_description: 'redirect_uri does not match the authorization request',
      },
    ],
    [
      'unknown code',
      () => ({ code: 'made-up' }),
      400,
      { error: 'invalid_grant', error_description: 'invalid or expired authorization code' },
    ],
  ];
  it.each(failures)('%s', async (_name, extra, status, body) => {
    const code = await codeFor(served, 'webapp');
    const res = await exchange(code, extra(code));
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
  });

  it('refuses a code issued to another client', async () => {
    const code = await codeFor(served, 'spa', { scope: 'read' });
    const res = await exchange(code);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired authorization code',
    });
  });

  it('refuses a code after its 60 seconds', async () => {
    const code = await codeFor(served, 'webapp');
    served.clock.t += 60_000;
    try {
      const res = await exchange(code);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'invalid or expired authorization code',
      });
    } finally {
      served.clock.t -= 60_000;
    }
  });

  it('a replayed code fails and revokes everything issued from it', async () => {
    const code = await codeFor(served, 'webapp');
    const first = await exchange(code);
    expect(first.status).toBe(200);
    const accessToken = first.body!.access_token as string;
    const refreshToken = first.body!.refresh_token as string;
    // A refresh before the replay: its tokens belong to the same grant.
    const refreshed = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { authorization: WEBAPP },
    );
    expect(refreshed.status).toBe(200);

    const replay = await exchange(code);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'authorization code already used',
    });

    const introspect = (t: string) =>
      post(`${served.url}/introspect`, { token: t }, { authorization: WEBAPP });
    expect((await introspect(accessToken)).body).toEqual({ active: false });
    expect((await introspect(refreshed.body!.access_token as string)).body).toEqual({
      active: false,
    });
    expect((await introspect(refreshed.body!.refresh_token as string)).body).toEqual({
      active: false,
    });
    const again = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token', refresh_token: refreshed.body!.refresh_token as string },
      { authorization: WEBAPP },
    );
    expect(again.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired refresh token',
    });
    expect(await served.issuer.isRevoked(decodeJwt(accessToken).jti!)).toBe(true);
  });
});
