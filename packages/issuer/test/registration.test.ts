import { type AuthorizeContext, createIssuer, type IssuerOptions } from '@authcore/issuer';
import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  authorizeCode,
  basic,
  challengeOf,
  post,
  type Served,
  serve,
  VERIFIER,
  verify,
} from './helpers.js';

const DYNAMIC: IssuerOptions['dynamicClients'] = { audience: AUDIENCE, scopes: ['read', 'write'] };
const OPEN: Partial<IssuerOptions> = { registration: { policy: 'open' }, dynamicClients: DYNAMIC };

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function start(overrides: Partial<IssuerOptions> = OPEN): Promise<Served> {
  served = await serve(overrides);
  return served;
}

async function register(
  s: Served,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined }> {
  const response = await fetch(`${s.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

const WEB = { redirect_uris: ['https://app.example/cb'], client_name: 'App' };

describe('registration is off by default', () => {
  it('no endpoint, nothing advertised', async () => {
    const s = await start({});
    const r = await register(s, WEB);
    expect(r).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(s.issuer.metadata).not.toHaveProperty('registration_endpoint');
    expect(s.issuer.metadata).not.toHaveProperty('client_id_metadata_document_supported');
  });

  it('registration or metadata documents need dynamicClients (audience)', () => {
    expect(() =>
      createIssuer({
        issuer: 'https://issuer.test',
        clients: [],
        registration: { policy: 'open' },
      }),
    ).toThrow(
      'createIssuer: `dynamicClients` is required with `registration` or `clientMetadataDocuments`',
    );
    expect(() =>
      createIssuer({
        issuer: 'https://issuer.test',
        clients: [],
        clientMetadataDocuments: {},
        dynamicClients: { audience: [] },
      }),
    ).toThrow('createIssuer: `dynamicClients.audience` must name at least one audience');
  });
});

describe('open registration (RFC 7591)', () => {
  it('is advertised in the RFC 8414 metadata', async () => {
    const s = await start();
    const meta = (await (
      await fetch(`${s.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.registration_endpoint).toBe(`${s.url}/register`);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['read', 'write']));
  });

  it('a confidential client (the default client_secret_basic) gets its secret once', async () => {
    const s = await start();
    const r = await register(s, { ...WEB, scope: 'read', client_uri: 'https://app.example' });
    expect(r.status).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      client_id_issued_at: Math.floor(s.clock.t / 1000),
      client_secret_expires_at: 0,
      redirect_uris: ['https://app.example/cb'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      application_type: 'web',
      scope: 'read',
      client_name: 'App',
      client_uri: 'https://app.example',
      registration_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      registration_client_uri: `${s.url}/register?client_id=${r.body!.client_id}`,
    });
  });

  it('RFC 7592: read and delete with the registration access token; the secret is never shown again', async () => {
    const s = await start();
    const r = await register(s, { ...WEB, token_endpoint_auth_method: 'none' });
    expect(r.status).toBe(201);
    expect(r.body).not.toHaveProperty('client_secret');
    expect(r.body).not.toHaveProperty('client_secret_expires_at');
    const uri = r.body!.registration_client_uri as string;
    const auth = { authorization: `Bearer ${r.body!.registration_access_token}` };
    const read = await fetch(uri, { headers: auth });
    expect(read.status).toBe(200);
    const { client_secret, registration_access_token, ...rest } = r.body!;
    expect(await read.json()).toEqual(rest);

    const wrong = await fetch(uri, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe(
      `Bearer realm="${s.url}", error="invalid_token"`,
    );
    expect(await wrong.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the registration access token is not valid',
    });
    const other = await fetch(`${s.url}/register?client_id=nobody`, { headers: auth });
    expect(other.status).toBe(401);
    expect(await other.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the registration access token is not valid',
    });
    const none = await fetch(uri);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="${s.url}"`);

    const deleted = await fetch(uri, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(204);
    const gone = await fetch(uri, { headers: auth });
    expect(gone.status).toBe(401);
    // The client is gone for /authorize too.
    const page = await authorizeCode(s, {
      client_id: r.body!.client_id as string,
      response_type: 'code',
    });
    expect(page.status).toBe(400);
    expect(await page.response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'unknown client_id',
    });
  });

  const bad = (error: string, description: string) => ({
    status: 400,
    body: { error, error_description: description },
  });
  const badUri = bad('invalid_redirect_uri', 'a redirect URI is not acceptable');
  const inconsistent = bad(
    'invalid_client_metadata',
    'grant_types and response_types are inconsistent',
  );
  it.each([
    ['http on a non-loopback host', { redirect_uris: ['http://app.example/cb'] }, badUri],
    ['a fragment', { redirect_uris: ['https://app.example/cb#frag'] }, badUri],
    ['userinfo', { redirect_uris: ['https://user:pw@app.example/cb'] }, badUri],
    ['a relative URI', { redirect_uris: ['/cb'] }, badUri],
    ['a private-use scheme for a web client', { redirect_uris: ['com.example.app:/cb'] }, badUri],
    [
      'a scheme that is not reverse-domain (native)',
      { redirect_uris: ['javascript:alert(1)'], application_type: 'native' },
      badUri,
    ],
    [
      'a data: URI (native)',
      { redirect_uris: ['data:text/html,x'], application_type: 'native' },
      badUri,
    ],
    [
      'one bad URI among good ones',
      { redirect_uris: ['https://app.example/cb', 'ftp://x.example/'] },
      badUri,
    ],
    [
      'no redirect URI',
      { client_name: 'App' },
      bad('invalid_redirect_uri', 'redirect_uris is required'),
    ],
    [
      'an empty list',
      { redirect_uris: [] },
      bad('invalid_redirect_uri', 'redirect_uris is required'),
    ],
    [
      'redirect_uris not an array',
      { redirect_uris: 'https://app.example/cb' },
      bad(
        'invalid_client_metadata',
        'redirect_uris must be an array of at most 10 non-empty strings',
      ),
    ],
    [
      'too many redirect URIs',
      { redirect_uris: Array.from({ length: 11 }, (_, i) => `https://app.example/${i}`) },
      bad(
        'invalid_client_metadata',
        'redirect_uris must be an array of at most 10 non-empty strings',
      ),
    ],
    ['code grant without the code response type', { ...WEB, response_types: [] }, inconsistent],
    [
      'code response type without the code grant',
      { ...WEB, grant_types: ['refresh_token'], response_types: ['code'] },
      inconsistent,
    ],
    [
      'refresh_token alone',
      { ...WEB, grant_types: ['refresh_token'], response_types: [] },
      inconsistent,
    ],
    [
      'response_type token',
      { ...WEB, response_types: ['token'] },
      bad('invalid_client_metadata', 'response_types may only be code'),
    ],
    [
      'client_credentials (not allowed by default)',
      { grant_types: ['client_credentials'], response_types: [] },
      bad('invalid_client_metadata', 'grant_types has a grant type that is not allowed'),
    ],
    [
      'an unknown grant type',
      { ...WEB, grant_types: ['authorization_code', 'password'] },
      bad('invalid_client_metadata', 'grant_types has a grant type that is not allowed'),
    ],
    [
      'private_key_jwt',
      { ...WEB, token_endpoint_auth_method: 'private_key_jwt' },
      bad('invalid_client_metadata', 'token_endpoint_auth_method is not supported'),
    ],
    [
      'a scope the host does not allow',
      { ...WEB, scope: 'read admin' },
      bad('invalid_client_metadata', 'scope has a scope that is not allowed'),
    ],
    [
      'scope not a string',
      { ...WEB, scope: ['read'] },
      bad('invalid_client_metadata', 'scope must be a string'),
    ],
    [
      'a client_name too long',
      { ...WEB, client_name: 'x'.repeat(201) },
      bad('invalid_client_metadata', 'client_name must be a string of 1 to 200 characters'),
    ],
    [
      'an http client_uri',
      { ...WEB, client_uri: 'http://app.example' },
      bad('invalid_client_metadata', 'client_uri must be an https URL'),
    ],
    [
      'a javascript: logo_uri',
      { ...WEB, logo_uri: 'javascript:alert(1)' },
      bad('invalid_client_metadata', 'logo_uri must be an https URL'),
    ],
    [
      'an unknown application_type',
      { ...WEB, application_type: 'desktop' },
      bad('invalid_client_metadata', 'application_type must be web or native'),
    ],
    [
      'a JSON array',
      [WEB],
      bad('invalid_client_metadata', 'the client metadata must be a JSON object'),
    ],
    [
      'not JSON',
      '{"redirect_uris":',
      bad('invalid_client_metadata', 'the body must be a JSON object'),
    ],
  ])('refuses %s', async (_name, body, expected) => {
    const s = await start();
    const r = await register(s, body);
    expect({ status: r.status, body: r.body }).toEqual(expected);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a body that is not application/json', async () => {
    const s = await start();
    const r = await register(s, JSON.stringify(WEB), { 'content-type': 'text/plain' });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_client_metadata',
        error_description: 'the body must be application/json',
      },
    });
  });

  it('refuses a body over 16 KiB with 413, before parsing it', async () => {
    const s = await start();
    const r = await register(s, { ...WEB, padding: 'x'.repeat(16_384) });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 413,
      body: { error: 'invalid_request', error_description: 'the request body is too large' },
    });
    // Streamed with no content-length, straight to the fetch handler.
    const big = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(`{"a":"${'x'.repeat(20_000)}"}`));
        c.close();
      },
    });
    const direct = await s.issuer.fetch(
      new Request(`${s.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
        duplex: 'half',
      } as RequestInit),
    );
    expect(direct.status).toBe(413);
  });

  it('answers other methods with 405', async () => {
    const s = await start();
    const r = await fetch(`${s.url}/register`, { method: 'PUT' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST, GET, DELETE');
  });

  it('refuses when the store is full (quota), with 503', async () => {
    const s = await start({
      registration: { policy: 'open', maxClients: 2 },
      dynamicClients: DYNAMIC,
    });
    expect((await register(s, WEB)).status).toBe(201);
    expect((await register(s, WEB)).status).toBe(201);
    const r = await register(s, WEB);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'no more clients can be registered',
      },
    });
  });

  it('expired registrations free their place in the store', async () => {
    const s = await start({
      registration: { policy: 'open', maxClients: 1, clientTtl: 60 },
      dynamicClients: DYNAMIC,
    });
    expect((await register(s, WEB)).status).toBe(201);
    expect((await register(s, WEB)).status).toBe(503);
    s.clock.t += 60_000;
    expect((await register(s, WEB)).status).toBe(201);
  });

  it('the rate-limit hook refuses with 429 and Retry-After', async () => {
    let calls = 0;
    const s = await start({
      registration: {
        policy: 'open',
        rateLimit: () => (++calls > 1 ? { retryAfter: 7 } : true),
      },
      dynamicClients: DYNAMIC,
    });
    expect((await register(s, WEB)).status).toBe(201);
    const r = await register(s, WEB);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 429,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'too many registrations; try again later',
      },
    });
    expect(r.headers.get('retry-after')).toBe('7');
  });

  it('the review hook refuses or edits a request; an edit is checked again', async () => {
    const s = await start({
      registration: {
        policy: 'open',
        review: (metadata) => {
          if (metadata.redirect_uris.some((u) => new URL(u).hostname !== 'app.example'))
            return {
              error: 'invalid_redirect_uri',
              errorDescription: 'only app.example may register',
            };
          if (metadata.client_name === 'break') return { ...metadata, client_uri: 'http://x' };
          return { ...metadata, client_name: `${metadata.client_name ?? 'app'} (reviewed)` };
        },
      },
      dynamicClients: DYNAMIC,
    });
    const refused = await register(s, { redirect_uris: ['https://evil.example/cb'] });
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 400,
      body: { error: 'invalid_redirect_uri', error_description: 'only app.example may register' },
    });
    const edited = await register(s, WEB);
    expect(edited.status).toBe(201);
    expect(edited.body!.client_name).toBe('App (reviewed)');
    const broken = await register(s, { ...WEB, client_name: 'break' });
    expect({ status: broken.status, body: broken.body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_client_metadata',
        error_description: 'client_uri must be an https URL',
      },
    });
  });
});

describe('registration behind an initial access token', () => {
  const GUARDED: Partial<IssuerOptions> = {
    registration: {
      policy: 'initial_access_token',
      initialAccessToken: 'initial-access-token-0123456789',
    },
    dynamicClients: DYNAMIC,
  };

  it('no token: 401 with a bare Bearer challenge', async () => {
    const s = await start(GUARDED);
    const r = await register(s, WEB);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'an initial access token is required' },
    });
    expect(r.headers.get('www-authenticate')).toBe(`Bearer realm="${s.url}"`);
  });

  it.each([
    ['a wrong token', 'Bearer initial-access-token-wrong'],
    ['a malformed header', 'Bearer a b'],
    ['another scheme', 'Basic aW5pdGlhbDp4'],
  ])('%s: 401 invalid_token', async (_name, authorization) => {
    const s = await start(GUARDED);
    const r = await register(s, WEB, { authorization });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'the initial access token is not valid' },
    });
    expect(r.headers.get('www-authenticate')).toBe(
      `Bearer realm="${s.url}", error="invalid_token"`,
    );
  });

  it('the right token registers; a check function works the same', async () => {
    const s = await start(GUARDED);
    const r = await register(s, WEB, { authorization: 'Bearer initial-access-token-0123456789' });
    expect(r.status).toBe(201);
    await s.close();
    const t = await start({
      registration: {
        policy: 'initial_access_token',
        initialAccessToken: (token) => token === 'let-me-in',
      },
      dynamicClients: DYNAMIC,
    });
    expect((await register(t, WEB, { authorization: 'Bearer let-me-in' })).status).toBe(201);
    expect((await register(t, WEB, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('misconfiguration throws at construction', () => {
    const base = { issuer: 'https://issuer.test', clients: [], dynamicClients: DYNAMIC };
    expect(() =>
      createIssuer({ ...base, registration: { policy: 'initial_access_token' } }),
    ).toThrow(
      'createIssuer: `registration.initialAccessToken` is required with policy initial_access_token',
    );
    expect(() =>
      createIssuer({
        ...base,
        registration: { policy: 'initial_access_token', initialAccessToken: 'short' },
      }),
    ).toThrow('createIssuer: `registration.initialAccessToken` must be at least 16 characters');
  });
});

describe('registered clients at the other endpoints', () => {
  it('a client_secret expired is invalid_client at /token', async () => {
    const s = await start({
      registration: {
        policy: 'open',
        clientTtl: 3600,
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      },
      dynamicClients: DYNAMIC,
    });
    const r = await register(s, { grant_types: ['client_credentials'], response_types: [] });
    expect(r.status).toBe(201);
    expect(r.body!.client_secret_expires_at).toBe(Math.floor(s.clock.t / 1000) + 3600);
    const auth = basic(r.body!.client_id as string, r.body!.client_secret as string);
    const ok = await post(
      `${s.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: auth },
    );
    expect(ok.status).toBe(200);
    expect(ok.body!.scope).toBe('read write');
    s.clock.t += 3600_000;
    const expired = await post(
      `${s.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: auth },
    );
    expect({ status: expired.status, body: expired.body }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
    });
    expect(expired.headers.get('www-authenticate')).toBe(`Basic realm="${s.url}"`);
  });

  it('a registered client authenticates only with the method it registered', async () => {
    const s = await start({
      registration: {
        policy: 'open',
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      },
      dynamicClients: DYNAMIC,
    });
    const r = await register(s, {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const id = r.body!.client_id as string;
    const secret = r.body!.client_secret as string;
    const viaPost = await post(`${s.url}/token`, {
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: secret,
    });
    expect(viaPost.status).toBe(200);
    const viaBasic = await post(
      `${s.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic(id, secret) },
    );
    expect({ status: viaBasic.status, body: viaBasic.body }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
    });
  });

  it('a loopback redirect URI matches on any port (RFC 8252 §7.3), nothing else varies', async () => {
    const s = await start();
    const r = await register(s, {
      redirect_uris: ['http://127.0.0.1/callback', 'http://localhost:8090/callback'],
      application_type: 'native',
      token_endpoint_auth_method: 'none',
    });
    expect(r.status).toBe(201);
    const clientId = r.body!.client_id as string;
    const params = {
      client_id: clientId,
      response_type: 'code',
      code_challenge: await challengeOf(VERIFIER),
      code_challenge_method: 'S256',
    };
    for (const uri of ['http://127.0.0.1:51234/callback', 'http://localhost:3000/callback']) {
      const ok = await authorizeCode(s, { ...params, redirect_uri: uri });
      expect(ok.status).toBe(302);
      expect(`${ok.location!.origin}${ok.location!.pathname}`).toBe(uri);
    }
    for (const uri of [
      'http://127.0.0.1:51234/other',
      'https://127.0.0.1:51234/callback',
      'http://127.0.0.2:51234/callback',
      'http://127.0.0.1:51234/callback#x',
    ]) {
      const page = await authorizeCode(s, { ...params, redirect_uri: uri });
      expect(page.status).toBe(400);
      expect(await page.response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'redirect_uri is not registered for this client',
      });
    }
  });

  it('the consent hook sees the provenance, name and URI', async () => {
    const seen: AuthorizeContext['client'][] = [];
    const s = await start({
      ...OPEN,
      authorize: (_request, context) => {
        seen.push(context.client);
        return { userId: 'alice' };
      },
    });
    const r = await register(s, {
      redirect_uris: ['https://app.example/cb'],
      client_name: 'Some App',
      client_uri: 'https://app.example',
      logo_uri: 'https://app.example/logo.png',
      token_endpoint_auth_method: 'none',
    });
    const base = {
      response_type: 'code',
      code_challenge: await challengeOf(VERIFIER),
      code_challenge_method: 'S256',
    };
    await authorizeCode(s, { ...base, client_id: r.body!.client_id as string });
    await authorizeCode(s, { ...base, client_id: 'spa' });
    expect(seen[0]).toEqual({
      clientId: r.body!.client_id,
      redirectUris: ['https://app.example/cb'],
      scopes: ['read', 'write'],
      audience: [AUDIENCE],
      grantTypes: ['authorization_code'],
      clientName: 'Some App',
      clientUri: 'https://app.example',
      logoUri: 'https://app.example/logo.png',
      public: true,
      provenance: 'registered',
    });
    expect(seen[1]).toMatchObject({ clientId: 'spa', provenance: 'preregistered', public: true });
  });

  it('oauth4webapi registers by DCR and completes the code flow with PKCE', async () => {
    const s = await start();
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(s.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const redirectUri = 'http://127.0.0.1:8765/callback';
    const client = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
          client_name: 'oauth4webapi',
          scope: 'read',
        },
        insecure,
      ),
    );
    expect(client.client_secret).toEqual(expect.any(String));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const authorized = await fetch(url, {
      redirect: 'manual',
      headers: { 'x-test-user': 'alice' },
    });
    expect(authorized.status).toBe(302);
    const params = oauth.validateAuthResponse(
      as,
      client,
      new URL(authorized.headers.get('location')!),
      state,
    );
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(client.client_secret as string),
      params,
      redirectUri,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const result = await verify(s, tokens.access_token);
    expect(result.ok && result.principal).toMatchObject({
      id: 'alice',
      clientId: client.client_id,
    });
  });
});
