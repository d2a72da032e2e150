import { createAuthenticator, fetchRequestView, jwt } from '@authcore/core';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  basic,
  codeFor,
  post,
  REDIRECT,
  SERVICE,
  type Served,
  serve,
  VERIFIER,
  WEBAPP,
} from './helpers.js';

let served: Served;
beforeAll(async () => {
  served = await serve();
});
afterAll(() => served.close());

const cc = async () =>
  (
    await post(
      `${served.url}/token`,
      { grant_type: 'client_credentials', scope: 'read' },
      { authorization: SERVICE },
    )
  ).body!.access_token as string;
const introspect = (token: string, auth = SERVICE) =>
  post(`${served.url}/introspect`, { token }, { authorization: auth });
const revoke = (
  token: string,
  auth: Record<string, string> = { authorization: SERVICE },
  extra = {},
) => post(`${served.url}/revoke`, { token, ...extra }, auth);

describe('POST /introspect (RFC 7662)', () => {
  it('describes an active access token', async () => {
    const token = await cc();
    const res = await introspect(token, WEBAPP);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const t = Math.floor(served.clock.t / 1000);
    expect(res.body).toEqual({
      active: true,
      iss: served.url,
      sub: 'service',
      aud: AUDIENCE,
      client_id: 'service',
      scope: 'read',
      iat: t,
      exp: t + 600,
      jti: decodeJwt(token).jti,
      token_type: 'Bearer',
    });
  });

  it("does not describe another client's refresh token", async () => {
    const code = await codeFor(served, 'webapp');
    const { refresh_token } = (
      await post(
        `${served.url}/token`,
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER },
        { authorization: WEBAPP },
      )
    ).body as { refresh_token: string };
    expect((await introspect(refresh_token, SERVICE)).body).toEqual({ active: false });
    expect((await introspect(refresh_token, WEBAPP)).body).toMatchObject({ active: true });
  });

  it('reports expired, garbage and foreign tokens inactive', async () => {
    const token = await cc();
    served.clock.t += 600_000;
    try {
      expect((await introspect(token)).body).toEqual({ active: false });
    } finally {
      served.clock.t -= 600_000;
    }
    expect((await introspect('garbage')).body).toEqual({ active: false });
    const [h, p] = token.split('.');
    expect((await introspect(`${h}.${p}.AAAA`)).body).toEqual({ active: false });
  });

  it('requires a confidential client', async () => {
    const token = await cc();
    const anon = await post(`${served.url}/introspect`, { token });
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    const pub = await post(`${served.url}/introspect`, { token, client_id: 'spa' });
    expect(pub.status).toBe(401);
    const bad = await introspect(token, basic('service', 'wrong'));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe(`Basic realm="${served.url}"`);
    const missing = await post(`${served.url}/introspect`, {}, { authorization: SERVICE });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'invalid_request',
      error_description: 'token is required',
    });
  });
});

describe('POST /revoke (RFC 7009)', () => {
  it('revokes an access token by jti: introspection reports it inactive', async () => {
    const token = await cc();
    const res = await revoke(token, undefined, { token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect((await introspect(token)).body).toEqual({ active: false });
    expect(await served.issuer.isRevoked(decodeJwt(token).jti!)).toBe(true);
  });

  it('revokes a refresh token with its family and access tokens', async () => {
    const code = await codeFor(served, 'webapp');
    const tokens = (
      await post(
        `${served.url}/token`,
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER },
        { authorization: WEBAPP },
      )
    ).body as { access_token: string; refresh_token: string };
    const res = await revoke(
      tokens.refresh_token,
      { authorization: WEBAPP },
      { token_type_hint: 'refresh_token' },
    );
    expect(res.status).toBe(200);
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
    const refreshed = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { authorization: WEBAPP },
    );
    expect(refreshed.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired refresh token',
    });
  });

  it('lets a public client revoke its own tokens', async () => {
    const code = await codeFor(served, 'spa', { scope: 'read' });
    const tokens = (
      await post(`${served.url}/token`, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
        client_id: 'spa',
      })
    ).body as { refresh_token: string };
    expect((await revoke(tokens.refresh_token, {}, { client_id: 'spa' })).status).toBe(200);
    const refreshed = await post(`${served.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: 'spa',
    });
    expect(refreshed.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired refresh token',
    });
  });

  it("a resource server honours revocation through the core's isRevoked", async () => {
    const token = await cc();
    const auth = createAuthenticator({
      schemes: [
        jwt({
          issuer: served.url,
          audience: AUDIENCE,
          algorithms: ['ES256'],
          keys: await served.issuer.jwks(),
          now: () => served.clock.t,
          isRevoked: (p) => p.claims.jti !== undefined && served.issuer.isRevoked(p.claims.jti),
        }),
      ],
    });
    const view = fetchRequestView(
      new Request('http://api.test/', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect((await auth.authenticate(view)).ok).toBe(true);
    await revoke(token);
    const refused = await auth.authenticate(view);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe('invalid_token');
  });

  it('answers 200 to unknown tokens', async () => {
    const res = await revoke('unknown-token');
    expect(res.status).toBe(200);
  });

  it("refuses to revoke another client's token", async () => {
    const token = await cc();
    const res = await revoke(token, { authorization: WEBAPP });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'the token was not issued to this client',
    });
    expect((await introspect(token)).body).toMatchObject({ active: true });
  });

  it('requires client authentication and a token', async () => {
    const anon = await post(`${served.url}/revoke`, { token: 'x' });
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    const missing = await post(`${served.url}/revoke`, {}, { authorization: SERVICE });
    expect(missing.body).toEqual({
      error: 'invalid_request',
      error_description: 'token is required',
    });
  });
});
