import { createIssuer, type Issuer } from '@authcore/issuer';
import { createRedisStores } from '@authcore/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedis, uniquePrefix } from './redis-server.js';

// Two issuer instances on one Redis: the issuer's own flows through the Redis stores.
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';
const REDIRECT = 'http://127.0.0.1/cb';
const VERIFIER = 'v'.repeat(43);
const basic = `Basic ${Buffer.from('webapp:webapp-secret-0123456789abcdef').toString('base64')}`;

let issuers: Issuer[];
let admin: Redis;
let prefix: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const { url } = await sharedRedis();
  prefix = uniquePrefix('issuer');
  admin = new Redis(url);
  issuers = [0, 1].map(() => {
    const stores = createRedisStores({ redis: url, prefix });
    closers.push(() => stores.close());
    return createIssuer({
      issuer: ISSUER,
      clients: [
        {
          clientId: 'webapp',
          clientSecret: 'webapp-secret-0123456789abcdef',
          redirectUris: [REDIRECT],
          scopes: ['read'],
          audience: AUDIENCE,
        },
      ],
      refreshReuseLeeway: 1,
      authorize: () => ({ userId: 'alice' }),
      stores: {
        codes: stores.codes,
        refreshTokens: stores.refreshTokens,
        revocations: stores.revocations,
      },
    });
  });
});
afterAll(async () => {
  for (const close of closers) await close();
  await admin.quit();
  await (await sharedRedis()).stop();
});

const form = (issuer: Issuer, body: Record<string, string>) =>
  issuer.fetch(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    }),
  );

async function authorizationCode(issuer: Issuer): Promise<string> {
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
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  expect(code).toBeTruthy();
  return code!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the issuer on Redis stores, two instances', () => {
  it('a code raced on two instances is consumed once: exactly one 200', async () => {
    const code = await authorizationCode(issuers[0]!);
    const body = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    };
    const [a, b] = await Promise.all([form(issuers[0]!, body), form(issuers[1]!, body)]);
    // Exactly one consume saw the code unused and wins; the other is a replay, which
    // (RFC 6749 §4.1.2) revokes what the first issued, after the fact (test/races.test.ts).
    const bodies = [(await a.json()) as { error_description?: string }, await b.json()];
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    expect(
      bodies.filter(
        (x) =>
          (x as { error_description?: string }).error_description ===
          'authorization code already used',
      ),
    ).toHaveLength(1);
    // And a third try anywhere is a replay.
    expect((await form(issuers[1]!, body)).status).toBe(400);
  });

  it('refresh race: one success; reuse past the leeway revokes the family and its tokens', async () => {
    const code = await authorizationCode(issuers[1]!);
    const first = await form(issuers[0]!, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    const tokens = (await first.json()) as { refresh_token: string; access_token: string };
    const body = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    const [a, b] = await Promise.all([form(issuers[0]!, body), form(issuers[1]!, body)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const winner = (await (a.status === 200 ? a : b).json()) as {
      refresh_token: string;
      access_token: string;
    };
    // Within the leeway the loser did not revoke the family: the rotated token works.
    const next = await form(issuers[1]!, {
      grant_type: 'refresh_token',
      refresh_token: winner.refresh_token,
    });
    expect(next.status).toBe(200);
    const latest = (await next.json()) as { refresh_token: string; access_token: string };
    // Past the leeway, reusing an old token is theft: the whole family goes, on every instance.
    await sleep(1_100);
    expect((await form(issuers[0]!, body)).status).toBe(400);
    const jti = (t: string) =>
      (JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    expect(await issuers[1]!.isRevoked(jti(latest.access_token))).toBe(true);
    const after = await form(issuers[1]!, {
      grant_type: 'refresh_token',
      refresh_token: latest.refresh_token,
    });
    expect(after.status).toBe(400);
  });

  it('bounded state: a code key lives its 60 s + one access token (600 s); rotations keep one family key', async () => {
    const code = await authorizationCode(issuers[0]!);
    const codeKeys = await admin.keys(`${prefix}code:*`);
    const ttls = await Promise.all(codeKeys.map((k) => admin.pttl(k)));
    // Every code key of this prefix (earlier tests' too) expires within 660 s, not 14 days.
    expect(Math.max(...ttls)).toBeLessThanOrEqual(660_000);
    expect(Math.max(...ttls)).toBeGreaterThan(650_000);
    const first = (await (
      await form(issuers[0]!, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      })
    ).json()) as { refresh_token: string };
    const familyId = first.refresh_token.split('.')[0]!;
    const familyKeys = () => admin.keys(`${prefix}family:{${familyId}}*`);
    const before = (await familyKeys()).sort();
    let token = first.refresh_token;
    for (let i = 0; i < 50; i++) {
      const res = await form(issuers[i % 2]!, {
        grant_type: 'refresh_token',
        refresh_token: token,
      });
      expect(res.status).toBe(200);
      token = ((await res.json()) as { refresh_token: string }).refresh_token;
    }
    expect((await familyKeys()).sort()).toEqual(before);
    expect(await admin.keys(`${prefix}refresh:*`)).toEqual([]);
    expect(await admin.hlen(`${prefix}family:{${familyId}}:at`)).toBe(16);
  });
});
