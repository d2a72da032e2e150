import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIssuer, type Issuer } from '@authcore/issuer';
import { RedisDocumentCache } from '@authcore/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from './redis-server.js';
import { openTarget, TARGETS, type Target } from './targets.js';

// Client metadata documents cached in Redis (one server, then a Cluster): two issuer instances
// fetch a document once between them, for as long as its Cache-Control says, never more.
const ISSUER = 'https://auth.example.test';
const REDIRECT = 'http://127.0.0.1/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let docs: Server;
let origin: string;
const hits = new Map<string, number>();
const count = (path: string) => hits.get(path) ?? 0;

beforeAll(async () => {
  docs = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, count(path) + 1);
    const cacheControl = path.startsWith('/no-store')
      ? 'no-store'
      : path.startsWith('/forever')
        ? 'max-age=86400'
        : 'max-age=60';
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl });
    res.end(
      JSON.stringify({
        client_id: `${origin}${path}`,
        client_name: path.startsWith('/long') ? 'x'.repeat(200) : 'Doc Client',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    );
  });
  await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
});
afterAll(async () => {
  docs.closeAllConnections();
  await new Promise((resolve) => docs.close(resolve));
});

function instance(cache: RedisDocumentCache, onError?: (error: unknown) => void): Issuer {
  return createIssuer({
    issuer: ISSUER,
    clients: [],
    authorize: () => ({ userId: 'alice' }),
    clientMetadataDocuments: { allowLoopback: true, maxAge: 3600, cache },
    dynamicClients: { audience: 'https://api.example.test', scopes: ['read'] },
    ...(onError && { onError }),
  });
}

async function authorize(issuer: Issuer, clientId: string): Promise<number> {
  const url = new URL(`${ISSUER}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  }).toString();
  return (await issuer.fetch(new Request(url))).status;
}

describe.each(TARGETS)('client metadata documents cached on $name', ({ name }) => {
  let target: Target;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    target = await openTarget(name);
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
    await target?.close();
  });

  const cache = (prefix: string, options: { maxEntryBytes?: number; maxTtlMs?: number } = {}) => {
    const store = new RedisDocumentCache({ redis: target.input(), prefix, ...options });
    closers.push(() => store.close());
    return store;
  };

  it('two instances fetch a document once between them, for its max-age, in one hash-tagged key', async () => {
    const prefix = uniquePrefix('cimd');
    const [a, b] = [instance(cache(prefix)), instance(cache(prefix))];
    const path = `/client-${name.length}.json`;
    expect(await authorize(a, `${origin}${path}`)).toBe(302);
    expect(await authorize(b, `${origin}${path}`)).toBe(302);
    expect(await authorize(a, `${origin}${path}`)).toBe(302);
    expect(count(path)).toBe(1);
    const keys = await target.keys(`${prefix}cimd:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(
      new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}cimd:\\{[A-Za-z0-9_-]{43}\\}$`),
    );
    const ttl = await target.admin.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('bounded: no-store is not kept, an entry over maxEntryBytes is not kept, and maxTtlMs caps the age', async () => {
    const prefix = uniquePrefix('cimd-bounds');
    const [a, b] = [
      instance(cache(prefix, { maxEntryBytes: 400, maxTtlMs: 10_000 })),
      instance(cache(prefix, { maxEntryBytes: 400, maxTtlMs: 10_000 })),
    ];
    for (const issuer of [a, b]) {
      expect(await authorize(issuer, `${origin}/no-store-${name.length}.json`)).toBe(302);
      expect(await authorize(issuer, `${origin}/long-${name.length}.json`)).toBe(302);
      expect(await authorize(issuer, `${origin}/forever-${name.length}.json`)).toBe(302);
    }
    expect(count(`/no-store-${name.length}.json`)).toBe(2);
    expect(count(`/long-${name.length}.json`)).toBe(2);
    expect(count(`/forever-${name.length}.json`)).toBe(1);
    const keys = await target.keys(`${prefix}cimd:*`);
    expect(keys).toHaveLength(1); // the forever one only
    const ttl = await target.admin.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('an entry written for another URL is not served for this one', async () => {
    const prefix = uniquePrefix('cimd-other');
    const store = cache(prefix);
    const url = `${origin}/client-swap-${name.length}.json`;
    // What a confused or tampered cache could hold: the record of another client.
    const other = {
      clientId: `${origin}/other.json`,
      redirectUris: ['http://evil.example/cb'],
      scopes: [],
      audience: [],
      grantTypes: ['authorization_code' as const],
      provenance: 'metadata_document' as const,
    };
    await store.set(url, other, Date.now() + 60_000);
    const key = (await target.keys(`${prefix}cimd:*`))[0]!;
    const raw = JSON.parse((await target.admin.get(key))!) as { url: string };
    raw.url = `${origin}/other.json`;
    await target.admin.set(key, JSON.stringify(raw), 'PX', 60_000);
    expect(await store.get(url)).toBeUndefined();
    expect(await authorize(instance(store), url)).toBe(302);
    expect(count(`/client-swap-${name.length}.json`)).toBe(1);
  });
});

describe('a document cache whose Redis is unreachable', () => {
  it('is a miss: the document is fetched, the failure reported', async () => {
    const errors: unknown[] = [];
    const store = new RedisDocumentCache({
      redis: 'redis://127.0.0.1:1',
      timeoutMs: 200,
      connectTimeoutMs: 200,
    });
    try {
      const issuer = instance(store, (error) => errors.push(error));
      expect(await authorize(issuer, `${origin}/unreachable.json`)).toBe(302);
      expect(await authorize(issuer, `${origin}/unreachable.json`)).toBe(302);
      expect(count('/unreachable.json')).toBe(2);
      expect(errors.length).toBeGreaterThanOrEqual(2);
    } finally {
      await store.close();
    }
  });
});
