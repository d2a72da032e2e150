import {
  type CodeRecord,
  type CodeStore,
  createIssuer,
  memoryCodeStore,
  memoryRefreshTokenStore,
  memoryRevocationStore,
} from '@authcore/issuer';
import { describe, expect, it } from 'vitest';
import { CLIENTS, challengeOf, REDIRECT, VERIFIER, WEBAPP } from './helpers.js';

const ISSUER = 'http://127.0.0.1:1';

function setup() {
  const clock = { t: Date.UTC(2030, 0, 1) };
  const now = () => clock.t;
  const saved: CodeRecord[] = [];
  const inner = memoryCodeStore({ now });
  const codes: CodeStore & { readonly size: number } = {
    save: (record) => {
      saved.push(record);
      return inner.save(record);
    },
    consume: (hash, at) => inner.consume(hash, at),
    get size() {
      return inner.size;
    },
  };
  const refreshTokens = memoryRefreshTokenStore({ now });
  const revocations = memoryRevocationStore({ now });
  const issuer = createIssuer({
    issuer: ISSUER,
    clients: CLIENTS,
    now,
    stores: { codes, refreshTokens, revocations },
    authorize: () => ({ userId: 'alice' }),
  });
  const form = async (path: string, body: Record<string, string>) => {
    const res = await issuer.fetch(
      new Request(`${ISSUER}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: WEBAPP },
        body: new URLSearchParams(body),
      }),
    );
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, string> };
  };
  const code = async () => {
    const url = new URL(`${ISSUER}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: 'webapp',
      redirect_uri: REDIRECT,
      code_challenge: await challengeOf(VERIFIER),
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(k, v);
    const res = await issuer.fetch(new Request(url));
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const redeem = async (c: string) =>
    form('/token', {
      grant_type: 'authorization_code',
      code: c,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
  const refresh = (token: string) =>
    form('/token', { grant_type: 'refresh_token', refresh_token: token });
  const introspect = async (token: string) => (await form('/introspect', { token })).body;
  return { clock, saved, codes, refreshTokens, code, redeem, refresh, introspect };
}

describe('O(1) refresh-token state per family', () => {
  it('4,000 rotations of one family keep the store at one entry', async () => {
    const s = setup();
    const first = await s.redeem(await s.code());
    expect(first.status).toBe(200);
    const sizes: number[] = [s.refreshTokens.size];
    let token = first.body.refresh_token!;
    for (let i = 1; i <= 4_000; i++) {
      const next = await s.refresh(token);
      expect(next.status).toBe(200);
      token = next.body.refresh_token!;
      if (i % 1_000 === 0) sizes.push(s.refreshTokens.size);
    }
    // One family, one record, whatever the number of rotations (it was one per rotation).
    expect(sizes).toEqual([1, 1, 1, 1, 1]);
    expect(await s.introspect(token)).toMatchObject({ active: true, token_type: 'refresh_token' });
  }, 60_000);

  it('reuse of any earlier token, several rotations back, still revokes the family', async () => {
    const s = setup();
    const first = await s.redeem(await s.code());
    const tokens = [first.body.refresh_token!];
    const accessTokens = [first.body.access_token!];
    // More rotations than a family tracks live access tokens (16): the oldest are revoked early.
    for (let i = 0; i < 40; i++) {
      const next = await s.refresh(tokens.at(-1)!);
      tokens.push(next.body.refresh_token!);
      accessTokens.push(next.body.access_token!);
    }
    expect(await s.introspect(accessTokens[0]!)).toEqual({ active: false });
    expect(await s.introspect(accessTokens.at(-1)!)).toMatchObject({ active: true });
    s.clock.t += 3_000; // past the 2 s leeway
    const reuse = await s.refresh(tokens[1]!);
    expect(reuse).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'refresh token already used' },
    });
    expect(await s.refresh(tokens.at(-1)!)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid or expired refresh token' },
    });
    for (const at of accessTokens) expect(await s.introspect(at)).toEqual({ active: false });
  });

  it('a malformed token is refused without touching any family', async () => {
    const s = setup();
    const first = await s.redeem(await s.code());
    const token = first.body.refresh_token!;
    for (const bad of ['garbage', `${token}x`, token.replace('.', '')])
      expect(await s.refresh(bad)).toEqual({
        status: 400,
        body: { error: 'invalid_grant', error_description: 'invalid or expired refresh token' },
      });
    expect((await s.refresh(token)).status).toBe(200);
  });

  it('the previous token within the leeway is refused without revoking (a client racing itself)', async () => {
    const s = setup();
    const first = await s.redeem(await s.code());
    const second = await s.refresh(first.body.refresh_token!);
    expect(await s.refresh(first.body.refresh_token!)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'refresh token already used' },
    });
    expect((await s.refresh(second.body.refresh_token!)).status).toBe(200);
  });
});

describe('authorization codes are kept for their lifetime plus an access token’s, not 14 days', () => {
  it('retainUntil is expiresAt + accessTokenTtl; a replay inside it still revokes', async () => {
    const s = setup();
    const c = await s.code();
    const [record] = s.saved;
    expect(record!.expiresAt - record!.issuedAt).toBe(60_000);
    expect(record!.retainUntil - record!.expiresAt).toBe(600_000);
    const first = await s.redeem(c);
    expect(first.status).toBe(200);
    s.clock.t += 120_000;
    expect(await s.redeem(c)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authorization code already used' },
    });
    expect(await s.introspect(first.body.access_token!)).toEqual({ active: false });
    expect(await s.refresh(first.body.refresh_token!)).toMatchObject({ status: 400 });
  });

  it('past the retention the code is gone from the store', async () => {
    const s = setup();
    const c = await s.code();
    expect(s.codes.size).toBe(1);
    s.clock.t += 660_001;
    expect(await s.redeem(c)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid or expired authorization code' },
    });
    expect(s.codes.size).toBe(0);
  });
});
