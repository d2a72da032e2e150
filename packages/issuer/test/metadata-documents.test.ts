import {
  addressKind,
  DocumentFetchError,
  type IssuerOptions,
  memoryDocumentCache,
  nodeDocumentFetcher,
} from '@authcore/issuer';
import { type HttpsTestServer, startHttpsServer } from '@authcore/testing';
import * as oauth from 'oauth4webapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  authorizeCode,
  challengeOf,
  post,
  REDIRECT,
  type Served,
  serve,
  VERIFIER,
  verify,
} from './helpers.js';

// Documents served over https on 127.0.0.1 with a certificate from the test's own CA.
let docs: HttpsTestServer;
let origin: string;
const hits = new Map<string, number>();
type Route = (url: string) => { status?: number; headers?: Record<string, string>; body?: string };
const routes: Record<string, Route> = {};

const doc = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    client_id: id,
    client_name: 'Doc Client',
    client_uri: 'https://doc.example',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  docs = await startHttpsServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/slow.json') return; // never answers
    if (path === '/big-stream.json') {
      res.writeHead(200, json);
      res.write(`{"client_id":"${'x'.repeat(3000)}`);
      setTimeout(() => res.end(`${'y'.repeat(3000)}"}`), 20);
      return;
    }
    const route = routes[path];
    const answer = route ? route(`${origin}${path}`) : { status: 404, body: 'not found' };
    res.writeHead(answer.status ?? 200, answer.headers ?? json);
    res.end(answer.body ?? '');
  });
  origin = docs.origin;
  Object.assign(routes, {
    '/client.json': (u: string) => ({ body: doc(u) }),
    '/other.json': (u: string) => ({ body: doc(u, { client_name: 'Other' }) }),
    '/wrong-id.json': () => ({ body: doc(`${origin}/client.json`) }),
    '/redirect.json': () => ({ status: 302, headers: { location: `${origin}/client.json` } }),
    '/big.json': (u: string) => ({ body: doc(u, { padding: 'x'.repeat(6000) }) }),
    '/secret-basic.json': (u: string) => ({
      body: doc(u, { token_endpoint_auth_method: 'client_secret_basic' }),
    }),
    '/private-key-jwt.json': (u: string) => ({
      body: doc(u, { token_endpoint_auth_method: 'private_key_jwt' }),
    }),
    '/with-secret.json': (u: string) => ({ body: doc(u, { client_secret: 'x' }) }),
    '/bad-redirect.json': (u: string) => ({
      body: doc(u, { redirect_uris: ['http://evil.example/cb'] }),
    }),
    '/html.json': (u: string) => ({ headers: { 'content-type': 'text/html' }, body: doc(u) }),
    '/gone.json': (u: string) => ({ status: 404, body: doc(u) }),
    '/not-json.json': () => ({ body: '{"client_id":' }),
    '/admin-scope.json': (u: string) => ({ body: doc(u, { scope: 'read admin' }) }),
    '/cached.json': (u: string) => ({
      headers: { ...json, 'cache-control': 'public, max-age=60' },
      body: doc(u),
    }),
    '/no-store.json': (u: string) => ({
      headers: { ...json, 'cache-control': 'no-store' },
      body: doc(u),
    }),
    '/forever.json': (u: string) => ({
      headers: { ...json, 'cache-control': 'max-age=86400' },
      body: doc(u),
    }),
  });
});
afterAll(async () => {
  await docs.close();
});

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const DYNAMIC = { audience: AUDIENCE, scopes: ['read', 'write'] };
async function start(
  documents: IssuerOptions['clientMetadataDocuments'] = {},
  extra: Partial<IssuerOptions> = {},
) {
  served = await serve({
    clientMetadataDocuments: {
      allowLoopback: true,
      fetch: nodeDocumentFetcher({ ca: docs.certificates.ca }),
      timeoutMs: 500,
      ...documents,
    },
    dynamicClients: DYNAMIC,
    ...extra,
  });
  return served;
}

async function authorize(s: Served, clientId: string, redirectUri = REDIRECT) {
  return authorizeCode(s, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: await challengeOf(VERIFIER),
    code_challenge_method: 'S256',
    state: 's1',
  });
}

const REFUSED = {
  status: 401,
  body: {
    error: 'invalid_client',
    error_description: 'the client metadata document could not be used',
  },
};

/** A refusal at /authorize is an error page: never a redirect to a URI nobody verified. */
async function expectRefusedPage(s: Served, clientId: string) {
  const { status, location, response } = await authorize(s, clientId);
  expect(location).toBeUndefined();
  expect({ status, body: await response.json() }).toEqual(REFUSED);
}

describe('client ID metadata documents', () => {
  it('are advertised, and a document client completes the code flow (oauth4webapi)', async () => {
    const seen: unknown[] = [];
    const s = await start(
      {},
      {
        authorize: (_request, context) => {
          seen.push(context.client);
          return { userId: 'alice' };
        },
      },
    );
    expect(s.issuer.metadata.client_id_metadata_document_supported).toBe(true);
    expect(s.issuer.metadata).not.toHaveProperty('registration_endpoint');

    const issuer = new URL(s.url);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    expect(as.client_id_metadata_document_supported).toBe(true);
    const client: oauth.Client = { client_id: `${origin}/client.json` };
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'read',
      state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const authorized = await fetch(url, { redirect: 'manual' });
    expect(authorized.status).toBe(302);
    const params = oauth.validateAuthResponse(
      as,
      client,
      new URL(authorized.headers.get('location')!),
      'st',
    );
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        REDIRECT,
        verifier,
        insecure,
      ),
    );
    expect(tokens.scope).toBe('read');
    const result = await verify(s, tokens.access_token);
    expect(result.ok && result.principal).toMatchObject({
      id: 'alice',
      clientId: client.client_id,
    });
    expect(seen[0]).toEqual({
      clientId: client.client_id,
      redirectUris: [REDIRECT],
      scopes: ['read', 'write'],
      audience: [AUDIENCE],
      grantTypes: ['authorization_code', 'refresh_token'],
      clientName: 'Doc Client',
      clientUri: 'https://doc.example',
      public: true,
      provenance: 'metadata_document',
    });
  });

  it.each([
    ['a client_id in the document that is not the URL', '/wrong-id.json'],
    ['a redirect', '/redirect.json'],
    ['a document over the byte cap (content-length)', '/big.json'],
    ['a document over the byte cap (streamed)', '/big-stream.json'],
    ['client_secret_basic', '/secret-basic.json'],
    ['private_key_jwt', '/private-key-jwt.json'],
    ['a client_secret in the document', '/with-secret.json'],
    ['a redirect URI that is not acceptable', '/bad-redirect.json'],
    ['a scope the host does not allow', '/admin-scope.json'],
    ['a content type that is not JSON', '/html.json'],
    ['a status other than 200', '/gone.json'],
    ['a body that is not JSON', '/not-json.json'],
  ])('refuse %s: invalid_client, fixed description', async (_name, path) => {
    const s = await start();
    await expectRefusedPage(s, `${origin}${path}`);
  });

  it('refuse a slow server at the deadline', async () => {
    const s = await start({ timeoutMs: 300 });
    const started = Date.now();
    await expectRefusedPage(s, `${origin}/slow.json`);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
  });

  it.each([
    ['no path', () => origin],
    ['the root path', () => `${origin}/`],
    ['a query', () => `${origin}/client.json?x=1`],
    ['a fragment', () => `${origin}/client.json#x`],
    ['userinfo', () => `https://user@127.0.0.1:${new URL(origin).port}/client.json`],
    ['a dot segment', () => `${origin}/a/../client.json`],
    ['an encoded dot segment', () => `${origin}/a/%2e%2e/client.json`],
    ['an unnormalised host', () => `${origin.replace('127.0.0.1', '127.000.000.001')}/client.json`],
  ])('refuse a client_id URL with %s', async (_name, id) => {
    const s = await start();
    await expectRefusedPage(s, id());
  });

  it('without the development option: http, loopback and localhost are refused before connecting', async () => {
    const s = await start({ allowLoopback: false });
    const before = hits.get('/client.json') ?? 0;
    await expectRefusedPage(s, `${origin}/client.json`);
    await expectRefusedPage(s, `${origin.replace('127.0.0.1', 'localhost')}/client.json`);
    await expectRefusedPage(s, `http://127.0.0.1:${new URL(origin).port}/client.json`);
    expect(hits.get('/client.json') ?? 0).toBe(before);
  });

  it('with it, http is allowed to loopback only, and private addresses stay refused', async () => {
    const s = await start();
    await expectRefusedPage(s, 'http://10.0.0.7/client.json');
    await expectRefusedPage(s, 'http://[::ffff:127.0.0.1]/client.json');
  });

  it('a host name resolving to a private address is refused at /authorize, never connected to', async () => {
    const asked: string[] = [];
    const s = await start({
      fetch: nodeDocumentFetcher({
        resolve: async (host) => {
          asked.push(host);
          return [{ address: '10.0.0.7', family: 4 }];
        },
      }),
    });
    const started = Date.now();
    await expectRefusedPage(s, 'https://docs.example.test/client.json');
    expect(asked).toEqual(['docs.example.test']);
    expect(Date.now() - started).toBeLessThan(200); // refused, not timed out
  });

  it('allowUrl refuses a URL before any fetch', async () => {
    const asked: string[] = [];
    const s = await start({
      allowUrl: (url) => {
        asked.push(url.href);
        return url.pathname === '/client.json';
      },
    });
    const before = hits.get('/other.json') ?? 0;
    await expectRefusedPage(s, `${origin}/other.json`);
    expect(hits.get('/other.json') ?? 0).toBe(before);
    expect((await authorize(s, `${origin}/client.json`)).status).toBe(302);
    expect(asked).toEqual([`${origin}/other.json`, `${origin}/client.json`]);
  });

  it('the redirect_uri must match the document exactly (no loopback port leeway)', async () => {
    const s = await start();
    const page = await authorize(s, `${origin}/client.json`, 'http://127.0.0.1:8080/cb');
    expect(page.location).toBeUndefined();
    expect({ status: page.status, body: await page.response.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'redirect_uri is not registered for this client',
      },
    });
  });

  it('a failed document is invalid_client at /token too', async () => {
    const s = await start();
    const r = await post(`${s.url}/token`, {
      grant_type: 'authorization_code',
      client_id: `${origin}/wrong-id.json`,
      code: 'x',
      code_verifier: VERIFIER,
      redirect_uri: REDIRECT,
    });
    expect({ status: r.status, body: r.body }).toEqual(REFUSED);
  });
});

describe('the document cache', () => {
  it('honours max-age, no-store and its own cap, and hands out copies', async () => {
    const s = await start({ maxAge: 120 });
    const count = (p: string) => hits.get(p) ?? 0;
    const base = {
      cached: count('/cached.json'),
      noStore: count('/no-store.json'),
      forever: count('/forever.json'),
    };
    for (let i = 0; i < 2; i++) {
      expect((await authorize(s, `${origin}/cached.json`)).status).toBe(302);
      expect((await authorize(s, `${origin}/no-store.json`)).status).toBe(302);
      expect((await authorize(s, `${origin}/forever.json`)).status).toBe(302);
    }
    expect(count('/cached.json') - base.cached).toBe(1);
    expect(count('/no-store.json') - base.noStore).toBe(2);
    expect(count('/forever.json') - base.forever).toBe(1);
    s.clock.t += 61_000; // past max-age=60, within the 120 s cap
    await authorize(s, `${origin}/cached.json`);
    await authorize(s, `${origin}/forever.json`);
    expect(count('/cached.json') - base.cached).toBe(2);
    expect(count('/forever.json') - base.forever).toBe(1);
    s.clock.t += 60_000; // past the cap: max-age=86400 is not believed
    await authorize(s, `${origin}/forever.json`);
    expect(count('/forever.json') - base.forever).toBe(2);
  });

  it('holds at most cacheEntries documents, and concurrent lookups share one fetch', async () => {
    const s = await start({ cacheEntries: 1 });
    const count = (p: string) => hits.get(p) ?? 0;
    const before = { client: count('/client.json'), other: count('/other.json') };
    const pages = await Promise.all(
      Array.from({ length: 5 }, () => authorize(s, `${origin}/client.json`)),
    );
    expect(pages.map((p) => p.status)).toEqual([302, 302, 302, 302, 302]);
    expect(count('/client.json') - before.client).toBe(1);
    await authorize(s, `${origin}/other.json`); // evicts client.json
    await authorize(s, `${origin}/client.json`);
    expect(count('/client.json') - before.client).toBe(2);
    expect(count('/other.json') - before.other).toBe(1);
  });
});

describe('the cache option', () => {
  it('a store given as `cache` is used (shared, a document is fetched once), and one that fails is a miss', async () => {
    const count = (p: string) => hits.get(p) ?? 0;
    const shared = memoryDocumentCache({ maxEntries: 10 });
    const before = count('/cached.json');
    const one = await start({ cache: shared });
    expect((await authorize(one, `${origin}/cached.json`)).status).toBe(302);
    await one.close();
    const two = await start({ cache: shared });
    expect((await authorize(two, `${origin}/cached.json`)).status).toBe(302);
    expect(count('/cached.json') - before).toBe(1);
    await two.close();

    const errors: unknown[] = [];
    const broken = {
      get: () => Promise.reject(new Error('cache down')),
      set: () => Promise.reject(new Error('cache down')),
    };
    const three = await start({ cache: broken }, { onError: (e) => errors.push(e) });
    expect((await authorize(three, `${origin}/cached.json`)).status).toBe(302);
    expect((await authorize(three, `${origin}/cached.json`)).status).toBe(302);
    expect(count('/cached.json') - before).toBe(3);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'cache down',
      'cache down',
      'cache down',
      'cache down',
    ]);
  });
});

describe('the Node document fetcher', () => {
  const limits = { timeoutMs: 1000, maxBytes: 5120, allowLoopback: false };
  const refusal = (reason: string) =>
    expect.objectContaining({ name: 'DocumentFetchError', reason });

  it('refuses a name that resolves to a private address, before connecting', async () => {
    const asked: string[] = [];
    const fetcher = nodeDocumentFetcher({
      resolve: async (host) => {
        asked.push(host);
        return [{ address: '10.0.0.7', family: 4 }];
      },
    });
    await expect(fetcher(new URL('https://docs.example.test/c.json'), limits)).rejects.toEqual(
      refusal('address'),
    );
    expect(asked).toEqual(['docs.example.test']);
  });

  it('refuses a name with one private answer among public ones', async () => {
    const fetcher = nodeDocumentFetcher({
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    });
    await expect(fetcher(new URL('https://docs.example.test/c.json'), limits)).rejects.toEqual(
      refusal('address'),
    );
  });

  it('connects to the address it checked, not to what DNS says next (rebinding)', async () => {
    // First answer loopback (allowed here), then a private one: the second is never asked for.
    let calls = 0;
    const fetcher = nodeDocumentFetcher({
      ca: docs.certificates.ca,
      resolve: async () => {
        calls++;
        return calls === 1
          ? [{ address: '127.0.0.1', family: 4 }]
          : [{ address: '10.0.0.7', family: 4 }];
      },
    });
    const url = new URL(`https://localhost:${new URL(origin).port}/client.json`);
    const response = await fetcher(url, { ...limits, allowLoopback: true });
    expect(response.status).toBe(200);
    expect(calls).toBe(1);
  });

  it.each([
    ['/redirect.json', 'redirect'],
    ['/big.json', 'too_large'],
    ['/big-stream.json', 'too_large'],
    ['/slow.json', 'timeout'],
  ])('%s is refused as %s', async (path, reason) => {
    const fetcher = nodeDocumentFetcher({ ca: docs.certificates.ca });
    await expect(
      fetcher(new URL(`${origin}${path}`), { ...limits, timeoutMs: 300, allowLoopback: true }),
    ).rejects.toEqual(refusal(reason));
  });

  it('a 6 KiB document passes with a larger cap (the refusals above are the cap)', async () => {
    const fetcher = nodeDocumentFetcher({ ca: docs.certificates.ca });
    const response = await fetcher(new URL(`${origin}/big.json`), {
      ...limits,
      maxBytes: 65_536,
      allowLoopback: true,
    });
    expect(response.status).toBe(200);
    expect(response.body.byteLength).toBeGreaterThan(6000);
  });

  it('refuses http unless loopback is allowed, and a DNS failure', async () => {
    const fetcher = nodeDocumentFetcher({
      resolve: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    await expect(fetcher(new URL('http://docs.example.test/c.json'), limits)).rejects.toEqual(
      refusal('scheme'),
    );
    await expect(fetcher(new URL('https://docs.example.test/c.json'), limits)).rejects.toEqual(
      refusal('resolve'),
    );
    expect(DocumentFetchError.name).toBe('DocumentFetchError');
  });

  it('classifies addresses: only global unicast is public', () => {
    const table: [string, string][] = [
      ['93.184.215.14', 'public'],
      ['8.8.8.8', 'public'],
      ['2606:4700::1111', 'public'],
      ['127.0.0.1', 'loopback'],
      ['127.1.2.3', 'loopback'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['0.0.0.0', 'forbidden'],
      ['10.1.2.3', 'forbidden'],
      ['100.64.0.1', 'forbidden'],
      ['100.127.255.255', 'forbidden'],
      ['169.254.169.254', 'forbidden'],
      ['172.16.0.1', 'forbidden'],
      ['172.31.255.255', 'forbidden'],
      ['192.168.1.1', 'forbidden'],
      ['192.0.0.8', 'forbidden'],
      ['198.18.0.1', 'forbidden'],
      ['224.0.0.1', 'forbidden'],
      ['255.255.255.255', 'forbidden'],
      ['::', 'forbidden'],
      ['::ffff:127.0.0.1', 'forbidden'],
      ['::ffff:8.8.8.8', 'forbidden'],
      ['::ffff:7f00:1', 'forbidden'],
      ['64:ff9b::a00:1', 'forbidden'],
      ['fc00::1', 'forbidden'],
      ['fd12:3456::1', 'forbidden'],
      ['fe80::1', 'forbidden'],
      ['ff02::1', 'forbidden'],
      ['2001:db8::1', 'forbidden'],
      ['2001::1', 'forbidden'],
      ['2002:a00:1::1', 'forbidden'],
    ];
    expect(table.map(([a]) => [a, addressKind(a)])).toEqual(table);
    expect(addressKind('example.com')).toBeUndefined();
    expect(addressKind('1.2.3')).toBeUndefined();
    expect(addressKind('01.2.3.4')).toBeUndefined();
  });
});
