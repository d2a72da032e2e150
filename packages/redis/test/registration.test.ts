import { createIssuer, type Issuer } from '@authcore/issuer';
import { createRedisStores, RedisClientStore } from '@authcore/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedis, uniquePrefix } from './redis-server.js';

// Registered clients (RFC 7591) on Redis: several issuer instances see one registration.
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';
const REDIRECT = 'https://app.example/cb';
const VERIFIER = 'v'.repeat(43);

let url: string;
let admin: Redis;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ({ url } = await sharedRedis());
  admin = new Redis(url);
});
afterAll(async () => {
  for (const close of closers) await close();
  admin?.disconnect();
  await (await sharedRedis()).stop();
});

function instances(prefix: string, maxClients: number, clientTtl = 0): Issuer[] {
  return [0, 1].map(() => {
    const stores = createRedisStores({ redis: url, prefix, clients: { maxClients } });
    closers.push(() => stores.close());
    return createIssuer({
      issuer: ISSUER,
      clients: [],
      authorize: () => ({ userId: 'alice' }),
      registration: { policy: 'open', store: stores.clients, clientTtl },
      dynamicClients: { audience: AUDIENCE, scopes: ['read'] },
      stores: { codes: stores.codes, refreshTokens: stores.refreshTokens },
    });
  });
}

const register = async (issuer: Issuer, body: unknown = { redirect_uris: [REDIRECT] }) => {
  const res = await issuer.fetch(
    new Request(`${ISSUER}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, string | number> };
};

describe('registered clients on Redis', () => {
  it('registered on one instance, the code flow runs on the other', async () => {
    const [a, b] = instances(uniquePrefix('dcr'), 10);
    const { status, body } = await register(a!);
    expect(status).toBe(201);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(VERIFIER));
    const authorize = new URL(`${ISSUER}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: body.client_id as string,
      redirect_uri: REDIRECT,
      code_challenge: Buffer.from(digest).toString('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const redirected = await b!.fetch(new Request(authorize));
    expect(redirected.status).toBe(302);
    const code = new URL(redirected.headers.get('location')!).searchParams.get('code')!;
    const basic = `Basic ${Buffer.from(`${body.client_id}:${body.client_secret}`).toString('base64')}`;
    const token = await a!.fetch(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          code_verifier: VERIFIER,
        }),
      }),
    );
    expect(token.status).toBe(200);

    // RFC 7592 delete on one instance: gone on both.
    const del = await b!.fetch(
      new Request(body.registration_client_uri as string, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${body.registration_access_token}` },
      }),
    );
    expect(del.status).toBe(204);
    expect((await a!.fetch(new Request(authorize))).status).toBe(400);
  });

  it('the quota holds across instances', async () => {
    const [a, b] = instances(uniquePrefix('dcr-quota'), 2);
    expect((await register(a!)).status).toBe(201);
    expect((await register(b!)).status).toBe(201);
    const full = await register(a!);
    expect(full).toEqual({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'no more clients can be registered',
      },
    });
  });

  it('a registration with an end gets a key TTL; the secret is stored hashed only', async () => {
    const prefix = uniquePrefix('dcr-ttl');
    const [a] = instances(prefix, 10, 3600);
    const { body } = await register(a!);
    const key = `${prefix}client:${body.client_id}`;
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
    const stored = (await admin.get(key))!;
    expect(stored).not.toContain(body.client_secret as string);
    expect(stored).not.toContain(body.registration_access_token as string);
    expect(
      await admin.zscore(`${prefix}clients:registered`, body.client_id as string),
    ).not.toBeNull();
  });

  it('register refuses a taken id and an ended registration; remove frees the place', async () => {
    const prefix = uniquePrefix('dcr-store');
    const store = new RedisClientStore({ redis: url, prefix, maxClients: 1 });
    closers.push(() => store.close());
    const record = {
      clientId: 'c1',
      redirectUris: [REDIRECT],
      scopes: ['read'],
      audience: [AUDIENCE],
      grantTypes: ['authorization_code' as const],
      provenance: 'registered' as const,
    };
    expect(await store.register(record)).toBe(true);
    expect(await store.get('c1')).toEqual(record);
    expect(await store.register(record)).toBe(false);
    expect(await store.register({ ...record, clientId: 'c2' })).toBe(false); // full
    expect(await store.register({ ...record, clientId: 'c3', expiresAt: Date.now() - 1 })).toBe(
      false,
    );
    expect(await store.remove('c1')).toBe(true);
    expect(await store.register({ ...record, clientId: 'c2' })).toBe(true);
    expect(() => new RedisClientStore({ redis: url, maxClients: 0 })).toThrow(
      'RedisClientStore: `maxClients` must be a positive integer',
    );
  });
});
