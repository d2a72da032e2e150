import { clientSecretHash, createIssuer, hashSecret } from '@authcore/issuer';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, basic, post, SERVICE, type Served, serve, verify } from './helpers.js';

let served: Served;
let token: string;
beforeAll(async () => {
  served = await serve();
  token = `${served.url}/token`;
});
afterAll(() => served.close());

describe('client_credentials', () => {
  it('issues an RFC 9068 access token with client_secret_basic', async () => {
    const res = await post(
      token,
      { grant_type: 'client_credentials', scope: 'read' },
      {
        authorization: SERVICE,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'read',
    });
    const at = res.body!.access_token as string;
    expect(decodeProtectedHeader(at)).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: expect.any(String),
    });
    const t = Math.floor(served.clock.t / 1000);
    expect(decodeJwt(at)).toEqual({
      iss: served.url,
      sub: 'service',
      aud: AUDIENCE,
      client_id: 'service',
      scope: 'read',
      iat: t,
      exp: t + 600,
      jti: expect.any(String),
    });
    const result = await verify(served, at);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toMatchObject({ kind: 'service', id: 'service', clientId: 'service' });
    expect([...result.principal.scopes]).toEqual(['read']);
  });

  it('accepts client_secret_post and grants every allowed scope when none is asked for', async () => {
    const res = await post(token, {
      grant_type: 'client_credentials',
      client_id: 'service',
      client_secret: 'service-secret-0123456789abcdef',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: 'read write' });
    expect(res.body).not.toHaveProperty('refresh_token');
  });

  it('takes the audience from an RFC 8707 resource', async () => {
    const res = await post(
      token,
      { grant_type: 'client_credentials', resource: 'https://other.example.test' },
      { authorization: SERVICE },
    );
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body!.access_token as string).aud).toBe('https://other.example.test');
    expect((await verify(served, res.body!.access_token as string)).ok).toBe(false);
    expect(
      (await verify(served, res.body!.access_token as string, 'https://other.example.test')).ok,
    ).toBe(true);
  });

  it('decodes form-urlencoded Basic credentials (RFC 6749 §2.3.1)', async () => {
    const res = await post(
      token,
      { grant_type: 'client_credentials' },
      {
        authorization: basic('service', 'service-secret-0123456789abcdef'),
      },
    );
    expect(res.status).toBe(200);
  });
});

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  const cases: [
    string,
    Record<string, string | string[]>,
    Record<string, string>,
    number,
    object,
    string | null,
  ][] = [
    [
      'wrong secret, Basic: 401 with a Basic challenge',
      { grant_type: 'client_credentials' },
      { authorization: basic('service', 'nope') },
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      'Basic realm="ISSUER"',
    ],
    [
      'unknown client, Basic',
      { grant_type: 'client_credentials' },
      { authorization: basic('ghost', 'nope') },
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      'Basic realm="ISSUER"',
    ],
    [
      'malformed Basic header',
      { grant_type: 'client_credentials' },
      { authorization: 'Basic !!!' },
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      'Basic realm="ISSUER"',
    ],
    [
      'wrong secret, post: 401 without a challenge',
      { grant_type: 'client_credentials', client_id: 'service', client_secret: 'nope' },
      {},
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      null,
    ],
    [
      'no client authentication',
      { grant_type: 'client_credentials' },
      {},
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      null,
    ],
    [
      'a confidential client without its secret',
      { grant_type: 'client_credentials', client_id: 'service' },
      {},
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      null,
    ],
    [
      'two authentication methods',
      { grant_type: 'client_credentials', client_secret: 'x' },
      { authorization: SERVICE },
      400,
      { error: 'invalid_request', error_description: 'use only one client authentication method' },
      null,
    ],
    [
      'client_id differing from Basic',
      { grant_type: 'client_credentials', client_id: 'webapp' },
      { authorization: SERVICE },
      400,
      {
        error: 'invalid_request',
        error_description: 'client_id does not match the authenticated client',
      },
      null,
    ],
    [
      'missing grant_type',
      {},
      { authorization: SERVICE },
      400,
      { error: 'invalid_request', error_description: 'grant_type is required' },
      null,
    ],
    [
      'repeated parameter',
      { grant_type: ['client_credentials', 'client_credentials'] },
      { authorization: SERVICE },
      400,
      { error: 'invalid_request', error_description: 'a parameter is repeated' },
      null,
    ],
    [
      'unsupported grant type',
      { grant_type: 'password', username: 'a', password: 'b' },
      { authorization: SERVICE },
      400,
      {
        error: 'unsupported_grant_type',
        error_description: 'the grant_type is not supported',
      },
      null,
    ],
    [
      'scope beyond the client',
      { grant_type: 'client_credentials', scope: 'read admin' },
      { authorization: SERVICE },
      400,
      {
        error: 'invalid_scope',
        error_description: 'a requested scope is not allowed for this client',
      },
      null,
    ],
    [
      'resource not allowed',
      { grant_type: 'client_credentials', resource: 'https://evil.test' },
      { authorization: SERVICE },
      400,
      {
        error: 'invalid_target',
        error_description: 'a requested resource is not allowed for this client',
      },
      null,
    ],
    [
      'a client without the client_credentials grant',
      { grant_type: 'client_credentials' },
      { authorization: basic('code-only', 'code-only-secret-0123456789abcdef') },
      400,
      {
        error: 'unauthorized_client',
        error_description: 'this client may not use the client_credentials grant',
      },
      null,
    ],
    [
      'a public client',
      { grant_type: 'client_credentials', client_id: 'spa' },
      {},
      400,
      {
        error: 'unauthorized_client',
        error_description: 'this client may not use the client_credentials grant',
      },
      null,
    ],
  ];
  it.each(cases)('%s', async (_name, form, headers, status, body, challenge) => {
    const res = await post(token, form, headers);
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('www-authenticate')).toBe(
      challenge?.replace('ISSUER', served.url) ?? null,
    );
  });

  it('refuses a body that is not form-encoded', async () => {
    const res = await fetch(token, {
      method: 'POST',
      headers: { authorization: SERVICE, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the body must be application/x-www-form-urlencoded',
    });
  });

  it('answers 405 to GET', async () => {
    const res = await fetch(token);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('clientSecretHash', () => {
  it('is the string a configured client may give instead of its secret', async () => {
    const secret = 'hashed-secret-0123456789abcdefghij';
    const hash = clientSecretHash(secret);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await hashSecret(secret)).toBe(hash);
    const issuer = createIssuer({
      issuer: 'https://as.test',
      clients: [{ clientId: 'h', clientSecretHash: hash, audience: 'https://api.test' }],
    });
    const ask = (password: string) =>
      issuer.fetch(
        new Request('https://as.test/token', {
          method: 'POST',
          headers: {
            authorization: `Basic ${btoa(`h:${password}`)}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        }),
      );
    expect((await ask(secret)).status).toBe(200);
    const refused = await ask(hash);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });
});
