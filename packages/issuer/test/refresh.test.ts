import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
beforeAll(async () => {
  served = await serve();
});
afterAll(() => served.close());

async function grant(scope = 'read write') {
  const code = await codeFor(served, 'webapp', { scope });
  const res = await post(
    `${served.url}/token`,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER },
    { authorization: WEBAPP },
  );
  return res.body as { access_token: string; refresh_token: string };
}

const refresh = (
  token: string,
  extra: Record<string, string> = {},
  auth: Record<string, string> = { authorization: WEBAPP },
) =>
  post(
    `${served.url}/token`,
    { grant_type: 'refresh_token', refresh_token: token, ...extra },
    auth,
  );
const introspect = (token: string) =>
  post(`${served.url}/introspect`, { token }, { authorization: WEBAPP });

describe('refresh_token grant', () => {
  it('always rotates, keeping the user and claims', async () => {
    const first = await grant();
    const res = await refresh(first.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'read write',
      refresh_token: expect.any(String),
    });
    expect(res.body!.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(res.body!.access_token as string)).toMatchObject({ sub: 'alice', acr: 'pwd' });
    expect((await verify(served, res.body!.access_token as string)).ok).toBe(true);
    // The rotated-out token is no longer active; the new one is.
    expect((await introspect(first.refresh_token)).body).toEqual({ active: false });
    expect((await introspect(res.body!.refresh_token as string)).body).toMatchObject({
      active: true,
      sub: 'alice',
      client_id: 'webapp',
      scope: 'read write',
      token_type: 'refresh_token',
    });
  });

  it('narrows the scope of the access token, not of the grant', async () => {
    const first = await grant();
    const narrow = await refresh(first.refresh_token, { scope: 'read' });
    expect(narrow.body).toMatchObject({ scope: 'read' });
    const wide = await refresh(narrow.body!.refresh_token as string);
    expect(wide.body).toMatchObject({ scope: 'read write' });
  });

  it('refuses a scope beyond the original grant', async () => {
    const first = await grant('read');
    const res = await refresh(first.refresh_token, { scope: 'read admin' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_scope',
      error_description: 'a requested scope is not allowed for this client',
    });
  });

  it('reuse of a rotated token revokes the whole family (RFC 9700 §4.14)', async () => {
    const first = await grant();
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    served.clock.t += 3_000; // past the 2 s leeway for a client racing itself
    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token already used',
    });
    // The attacker's or the victim's newer token: both dead now, and their access tokens too.
    const third = await refresh(second.body!.refresh_token as string);
    expect(third.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired refresh token',
    });
    expect((await introspect(second.body!.access_token as string)).body).toEqual({ active: false });
    expect((await introspect(first.access_token)).body).toEqual({ active: false });
  });

  it('concurrent refreshes with one token: exactly one succeeds', async () => {
    const first = await grant();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => refresh(first.refresh_token)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const failed = results.filter((r) => r.status !== 200);
    expect(failed).toHaveLength(7);
    for (const r of failed)
      expect(r.body).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token already used',
      });
    // A client racing itself is not a theft: the winner's tokens stay good.
    const winner = results.find((r) => r.status === 200)!.body!;
    expect((await introspect(winner.access_token as string)).body).toMatchObject({ active: true });
    expect((await refresh(winner.refresh_token as string)).status).toBe(200);
  });

  it('with no leeway, any reuse revokes the family', async () => {
    const strict = await serve({ refreshReuseLeeway: 0 });
    try {
      const code = await codeFor(strict, 'webapp');
      const first = (
        await post(
          `${strict.url}/token`,
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT,
            code_verifier: VERIFIER,
          },
          { authorization: WEBAPP },
        )
      ).body as { refresh_token: string };
      const r = (extra: string) =>
        post(
          `${strict.url}/token`,
          { grant_type: 'refresh_token', refresh_token: extra },
          { authorization: WEBAPP },
        );
      const second = await r(first.refresh_token);
      strict.clock.t += 1;
      expect((await r(first.refresh_token)).body).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token already used',
      });
      expect((await r(second.body!.refresh_token as string)).body).toMatchObject({
        error: 'invalid_grant',
      });
    } finally {
      await strict.close();
    }
  });

  it('refuses a token of another client and revokes its family', async () => {
    const first = await grant();
    const res = await refresh(first.refresh_token, { client_id: 'spa' }, {});
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired refresh token',
    });
    expect((await refresh(first.refresh_token)).body).toMatchObject({ error: 'invalid_grant' });
    expect((await introspect(first.access_token)).body).toEqual({ active: false });
  });

  it('refuses an unknown or missing token and an expired family', async () => {
    expect((await refresh('nope')).body).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid or expired refresh token',
    });
    const missing = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token' },
      { authorization: WEBAPP },
    );
    expect(missing.body).toEqual({
      error: 'invalid_request',
      error_description: 'refresh_token is required',
    });
    const first = await grant();
    served.clock.t += 14 * 24 * 3600 * 1000;
    try {
      expect((await refresh(first.refresh_token)).body).toEqual({
        error: 'invalid_grant',
        error_description: 'invalid or expired refresh token',
      });
    } finally {
      served.clock.t -= 14 * 24 * 3600 * 1000;
    }
  });

  it('refuses a client without the refresh grant', async () => {
    const res = await post(`${served.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: 'cc-only',
      client_secret: 'cc-only-secret-0123456789abcdef',
    });
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'this client may not use the refresh_token grant',
    });
  });
});
