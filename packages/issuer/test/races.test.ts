import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFor, post, REDIRECT, type Served, serve, VERIFIER, WEBAPP } from './helpers.js';

// The same code or refresh token sent twice at once: exactly one request wins (200), always.
// A replay (a code, or a refresh token reused past the leeway) still revokes what the grant
// issued (RFC 6749 §4.1.2, RFC 9700 §4.14), the winner's tokens included, after the fact.
const RACES = 25;

let served: Served;
let strict: Served;
beforeAll(async () => {
  served = await serve();
  strict = await serve({ refreshReuseLeeway: 0 });
});
afterAll(async () => {
  await served.close();
  await strict.close();
});

const token = (on: Served, form: Record<string, string>) =>
  post(`${on.url}/token`, form, { authorization: WEBAPP });
const exchange = (on: Served, code: string) =>
  token(on, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
  });
const refresh = (on: Served, refreshToken: string) =>
  token(on, { grant_type: 'refresh_token', refresh_token: refreshToken });
const introspect = (on: Served, t: string) =>
  post(`${on.url}/introspect`, { token: t }, { authorization: WEBAPP });

async function expectRevoked(on: Served, body: Record<string, unknown>) {
  expect(await on.issuer.isRevoked(decodeJwt(body.access_token as string).jti!)).toBe(true);
  expect((await introspect(on, body.access_token as string)).body).toEqual({ active: false });
  expect((await refresh(on, body.refresh_token as string)).body).toEqual({
    error: 'invalid_grant',
    error_description: 'invalid or expired refresh token',
  });
}

describe('races on one credential', () => {
  it('a code sent twice at once: exactly one 200, every time; the replay revokes its tokens', async () => {
    for (let i = 0; i < RACES; i++) {
      const code = await codeFor(served, 'webapp');
      const replies = await Promise.all([exchange(served, code), exchange(served, code)]);
      const won = replies.filter((r) => r.status === 200);
      expect(won, JSON.stringify(replies.map((r) => r.body))).toHaveLength(1);
      const lost = replies.find((r) => r.status !== 200)!;
      expect(lost.status).toBe(400);
      expect(lost.body).toEqual({
        error: 'invalid_grant',
        error_description: 'authorization code already used',
      });
      await expectRevoked(served, won[0]!.body!);
    }
  });

  it('a refresh token sent twice at once within the leeway: exactly one 200, its tokens live', async () => {
    for (let i = 0; i < RACES; i++) {
      const first = (await exchange(served, await codeFor(served, 'webapp'))).body!;
      const replies = await Promise.all([
        refresh(served, first.refresh_token as string),
        refresh(served, first.refresh_token as string),
      ]);
      const won = replies.filter((r) => r.status === 200);
      expect(won, JSON.stringify(replies.map((r) => r.body))).toHaveLength(1);
      expect(replies.find((r) => r.status !== 200)!.body).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token already used',
      });
      const winner = won[0]!.body!;
      expect((await introspect(served, winner.access_token as string)).body).toMatchObject({
        active: true,
      });
      expect((await refresh(served, winner.refresh_token as string)).status).toBe(200);
    }
  });

  it('with no leeway: exactly one 200, every time; the reuse revokes the family, the winner included', async () => {
    for (let i = 0; i < RACES; i++) {
      const first = (await exchange(strict, await codeFor(strict, 'webapp'))).body!;
      const replies = await Promise.all([
        refresh(strict, first.refresh_token as string),
        refresh(strict, first.refresh_token as string),
      ]);
      const won = replies.filter((r) => r.status === 200);
      expect(won, JSON.stringify(replies.map((r) => r.body))).toHaveLength(1);
      expect(replies.find((r) => r.status !== 200)!.body).toEqual({
        error: 'invalid_grant',
        error_description: 'refresh token already used',
      });
      await expectRevoked(strict, won[0]!.body!);
    }
  });
});
