import { createIssuer, type Issuer } from '@authcore/issuer';
import { createRedisStores } from '@authcore/redis';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from './redis-server.js';
import { openTarget, TARGETS, type Target } from './targets.js';

// Two issuer instances on one Redis (one server, then a Cluster), the same code or refresh token
// sent to both at once: exactly one 200 per race, always. A replay still revokes the grant
// (RFC 6749 §4.1.2, RFC 9700 §4.14), the winner's tokens included, after the fact.
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';
const REDIRECT = 'http://127.0.0.1/cb';
const VERIFIER = 'v'.repeat(43);
const SECRET = 'webapp-secret-0123456789abcdef';
const BASIC = `Basic ${Buffer.from(`webapp:${SECRET}`).toString('base64')}`;
const RACES = 30;

interface Reply {
  status: number;
  body: Record<string, string>;
}

describe.each(TARGETS)('races between two issuers on $name', ({ name }) => {
  let target: Target;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    target = await openTarget(name);
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
    await target?.close();
  });

  /** Two instances on one prefix, each with stores of its own on the target. */
  function pair(refreshReuseLeeway: number): [Issuer, Issuer] {
    const prefix = uniquePrefix(`races-${refreshReuseLeeway}`);
    const one = () => {
      const stores = createRedisStores({ redis: target.input(), prefix });
      closers.push(() => stores.close());
      return createIssuer({
        issuer: ISSUER,
        clients: [
          {
            clientId: 'webapp',
            clientSecret: SECRET,
            redirectUris: [REDIRECT],
            scopes: ['read'],
            audience: AUDIENCE,
          },
        ],
        refreshReuseLeeway,
        authorize: () => ({ userId: 'alice' }),
        stores: {
          codes: stores.codes,
          refreshTokens: stores.refreshTokens,
          revocations: stores.revocations,
        },
      });
    };
    return [one(), one()];
  }

  const call = async (issuer: Issuer, path: string, form: Record<string, string>) => {
    const res = await issuer.fetch(
      new Request(`${ISSUER}${path}`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const exchange = (issuer: Issuer, code: string) =>
    call(issuer, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
  const refresh = (issuer: Issuer, token: string) =>
    call(issuer, '/token', { grant_type: 'refresh_token', refresh_token: token });

  async function code(issuer: Issuer): Promise<string> {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(VERIFIER));
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'webapp',
      redirect_uri: REDIRECT,
      scope: 'read',
      code_challenge: Buffer.from(digest).toString('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const res = await issuer.fetch(new Request(url));
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  }

  /** Exactly one 200; the other the given refusal. */
  function oneWinner(replies: Reply[], refusal: string): Reply {
    const won = replies.filter((r) => r.status === 200);
    expect(won, JSON.stringify(replies)).toHaveLength(1);
    expect(replies.find((r) => r.status !== 200)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: refusal },
    });
    return won[0]!;
  }

  async function expectRevoked([a, b]: [Issuer, Issuer], winner: Reply) {
    const jti = decodeJwt(winner.body.access_token!).jti!;
    expect(await a.isRevoked(jti)).toBe(true);
    expect(await b.isRevoked(jti)).toBe(true);
    expect(await refresh(b, winner.body.refresh_token!)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid or expired refresh token' },
    });
  }

  it(`a code sent to both at once, ${RACES} times: exactly one 200 each; the replay revokes its tokens`, async () => {
    const issuers = pair(2);
    for (let i = 0; i < RACES; i++) {
      const raced = await code(issuers[i % 2]!);
      const winner = oneWinner(
        await Promise.all(issuers.map((issuer) => exchange(issuer, raced))),
        'authorization code already used',
      );
      await expectRevoked(issuers, winner);
    }
  }, 30_000);

  it(`a refresh token sent to both at once, ${RACES} times: exactly one 200 each; within the leeway the family lives`, async () => {
    const issuers = pair(2);
    let token = (await exchange(issuers[0], await code(issuers[1]))).body.refresh_token!;
    for (let i = 0; i < RACES; i++) {
      const winner = oneWinner(
        await Promise.all(issuers.map((issuer) => refresh(issuer, token))),
        'refresh token already used',
      );
      expect(await issuers[i % 2]!.isRevoked(decodeJwt(winner.body.access_token!).jti!)).toBe(
        false,
      );
      token = winner.body.refresh_token!;
    }
  }, 30_000);

  it(`with no leeway, ${RACES} times: exactly one 200 each; the reuse revokes the family, the winner's tokens too`, async () => {
    const issuers = pair(0);
    for (let i = 0; i < RACES; i++) {
      const first = await exchange(issuers[0], await code(issuers[1]));
      const winner = oneWinner(
        await Promise.all(issuers.map((issuer) => refresh(issuer, first.body.refresh_token!))),
        'refresh token already used',
      );
      await expectRevoked(issuers, winner);
    }
  }, 30_000);
});
