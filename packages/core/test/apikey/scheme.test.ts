import {
  type ApiKeyStore,
  apiKey,
  createAuthenticator,
  fetchRequestView,
  generateApiKey,
  MemoryApiKeyStore,
  nodeRequestView,
  parseApiKey,
  scopeRequirement,
} from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { CountingStore, keyOf, settle, typo, withHeaders } from './helpers.js';

const HEADER =
  'ApiKey realm="api", error="invalid_token", error_description="The API key is invalid"';

async function setup(options: { bearer?: boolean; prefixes?: string[] } = {}) {
  const store = new CountingStore();
  const { key, record } = await generateApiKey({
    prefix: 'sk_live',
    owner: 'acme',
    scopes: ['orders:read', 'orders:write'],
    metadata: { plan: 'pro' },
  });
  await store.create(record);
  const auth = createAuthenticator({ schemes: [apiKey({ store, ...options })] });
  return { store, key, record, auth };
}

describe('apiKey scheme', () => {
  it('verifies a generated key into an application principal (fetch Request)', async () => {
    const { key, record, auth } = await setup();
    const result = await auth.authenticate(
      fetchRequestView(new Request('https://api.example.com/', { headers: { 'X-API-Key': key } })),
    );
    expect(result).toEqual({
      ok: true,
      principal: {
        scheme: 'apiKey',
        kind: 'application',
        id: record.id,
        scopes: new Set(['orders:read', 'orders:write']),
        clientId: undefined,
        issuer: undefined,
        audience: [],
        expiresAt: undefined,
        claims: { keyId: record.id, owner: 'acme', prefix: 'sk_live', metadata: { plan: 'pro' } },
      },
    });
  });

  it('verifies through a Node request view, any header case', async () => {
    const { key, record, auth } = await setup();
    const view = nodeRequestView({ rawHeaders: ['Host', 'api.example.com', 'x-Api-KEY', key] });
    const result = await auth.authenticate(view);
    expect(result.ok && result.principal.id).toBe(record.id);
  });

  it('takes a custom header and gives expiresAt as a Date', async () => {
    const store = new MemoryApiKeyStore();
    const expiresAt = Date.now() + 60_000;
    const { key, record } = await generateApiKey({ owner: 'acme', expiresAt });
    await store.create(record);
    const auth = createAuthenticator({ schemes: [apiKey({ store, header: 'X-Partner-Key' })] });
    const result = await auth.authenticate(withHeaders({ 'x-partner-key': key }));
    expect(result.ok && result.principal.expiresAt).toEqual(new Date(expiresAt));
    expect((await auth.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(false);
  });

  it('answers all six failures identically, and names the reason only in cause', async () => {
    const { store, key, record, auth } = await setup();
    const { id, secret } = parseApiKey(key)!;
    const expired = await generateApiKey({ prefix: 'sk_live', owner: 'acme', expiresAt: 1 });
    const revoked = await generateApiKey({ prefix: 'sk_live', owner: 'acme' });
    await store.create(expired.record);
    await store.create(revoked.record);
    await store.revoke(revoked.record.id, Date.now());

    const cases: Record<string, string> = {
      unknownId: keyOf('sk_live', 'Zz9Zz9Zz9Zz9', secret),
      wrongSecret: keyOf('sk_live', id, 'A'.repeat(24)),
      expired: expired.key,
      revoked: revoked.key,
      malformed: 'not-an-api-key',
      badChecksum: typo(key),
    };
    const causes: string[] = [];
    const reasons: string[] = [];
    const rendered = [];
    for (const [name, candidate] of Object.entries(cases)) {
      const result = await auth.authenticate(withHeaders({ 'x-api-key': candidate }));
      expect(result.ok, name).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe('invalid_token');
      expect(result.error.scheme).toBe('ApiKey');
      causes.push((result.error.cause as Error).message);
      reasons.push(result.error.reason);
      rendered.push(auth.render(result.error));
    }
    for (const r of rendered) expect(r).toEqual(rendered[0]);
    expect(rendered[0]).toEqual({
      status: 401,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'www-authenticate': HEADER,
      },
      body: '{"error":"invalid_token","error_description":"The API key is invalid"}',
    });
    expect(causes).toEqual([
      'unknown API key id',
      'API key secret mismatch',
      'API key expired',
      'API key revoked',
      'malformed API key',
      'API key checksum mismatch',
    ]);
    // Only `reason` tells them apart, and it is never rendered.
    expect(reasons).toEqual([
      'api_key_unknown',
      'api_key_mismatch',
      'api_key_expired',
      'api_key_revoked',
      'api_key_malformed',
      'api_key_checksum',
    ]);
    expect(rendered[0]!.body).not.toContain(record.id);
  });

  it('refuses typos and garbage without consulting the store', async () => {
    const { store, key, auth } = await setup({ prefixes: ['sk_live'] });
    const otherPrefix = keyOf('sk_test', 'AbCdEf012345', 'A'.repeat(24));
    for (const candidate of [typo(key), 'garbage', `${key}0`, otherPrefix]) {
      const result = await auth.authenticate(withHeaders({ 'x-api-key': candidate }));
      expect(result.ok).toBe(false);
    }
    expect(store.calls.find).toBe(0);
    expect((await auth.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(true);
    expect(store.calls.find).toBe(1);
  });

  it('refuses a key re-prefixed with another prefix (the prefix is bound to the record)', async () => {
    const { key, auth } = await setup();
    const { id, secret } = parseApiKey(key)!;
    const result = await auth.authenticate(
      withHeaders({ 'x-api-key': keyOf('sk_test', id, secret) }),
    );
    expect(!result.ok && (result.error.cause as Error).message).toBe(
      'API key prefix does not match its record',
    );
    expect(!result.ok && result.error.reason).toBe('api_key_mismatch');
  });

  it('treats an expiry as exclusive, by the injected clock', async () => {
    const store = new MemoryApiKeyStore();
    const { key, record } = await generateApiKey({ owner: 'o', expiresAt: 1000 });
    await store.create(record);
    let t = 999;
    const auth = createAuthenticator({ schemes: [apiKey({ store, now: () => t })] });
    expect((await auth.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(true);
    t = 1000;
    expect((await auth.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(false);
  });

  it.each([
    ['rejecting', true],
    ['throwing at once', false],
  ])('turns a store %s into invalid_token, keeping the cause', async (_, async) => {
    const { key } = await setup();
    const boom = new Error('connection refused');
    const find = async
      ? async () => Promise.reject(boom)
      : () => {
          throw boom;
        };
    const store = { find, recordUse: () => {} } as unknown as ApiKeyStore;
    const auth = createAuthenticator({ schemes: [apiKey({ store })] });
    const result = await auth.authenticate(withHeaders({ 'x-api-key': key }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(auth.render(result.error).headers['www-authenticate']).toBe(HEADER);
    expect((result.error.cause as Error).cause).toBe(boom);
    expect(result.error.reason).toBe('store_unavailable');
  });

  it('takes a record found at once (memory) or through a promise (a database) alike', async () => {
    const { record, key } = await setup();
    const memory = new MemoryApiKeyStore([record]);
    expect(memory.find(record.id)).toEqual(record);
    const remote = { find: async (id: string) => memory.find(id) } as unknown as ApiKeyStore;
    for (const store of [memory, remote]) {
      const auth = createAuthenticator({ schemes: [apiKey({ store, trackUsage: false })] });
      const result = await auth.authenticate(withHeaders({ 'x-api-key': key }));
      expect(result.ok && result.principal.id).toBe(record.id);
      const wrong = await auth.authenticate(withHeaders({ 'x-api-key': typo(key) }));
      expect(wrong.ok).toBe(false);
    }
  });

  it('keeps each request its own digest while a slow store answers', async () => {
    const keys = await Promise.all(
      ['a', 'b', 'c'].map((owner) => generateApiKey({ prefix: 'sk_live', owner, scopes: [] })),
    );
    const memory = new MemoryApiKeyStore(keys.map((k) => k.record));
    const slow = {
      find: (id: string) =>
        new Promise((resolve) => setTimeout(() => resolve(memory.find(id)), 10)),
      recordUse: () => {},
    } as unknown as ApiKeyStore;
    const auth = createAuthenticator({ schemes: [apiKey({ store: slow })] });
    const results = await Promise.all(
      [...keys, ...keys].map(({ key }) => auth.authenticate(withHeaders({ 'x-api-key': key }))),
    );
    expect(results.map((r) => r.ok && r.principal.claims.owner)).toEqual([
      'a',
      'b',
      'c',
      'a',
      'b',
      'c',
    ]);
  });

  it('a key that verified before still reads the store every time: revocation, expiry, hash', async () => {
    const { store, key, record, auth } = await setup();
    const ok = async () => (await auth.authenticate(withHeaders({ 'x-api-key': key }))).ok;
    expect(await ok()).toBe(true);
    expect(await ok()).toBe(true);
    expect(store.calls.find).toBe(2);
    await store.revoke(record.id, Date.now());
    expect(await ok()).toBe(false);

    // The same id and prefix, now stored with another secret's hash: the key no longer matches.
    const other = await generateApiKey({ prefix: 'sk_live', owner: 'acme', scopes: [] });
    const replaced = new MemoryApiKeyStore([{ ...record, hash: other.record.hash }]);
    const fresh = new MemoryApiKeyStore([record]);
    let current = fresh;
    const swapping = { find: (id: string) => current.find(id), recordUse: () => {} };
    const auth2 = createAuthenticator({
      schemes: [apiKey({ store: swapping as unknown as ApiKeyStore })],
    });
    expect((await auth2.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(true);
    current = replaced;
    expect((await auth2.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(false);
    current = fresh;
    expect((await auth2.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(true);
  });

  it('survives a store returning nonsense', async () => {
    const { key } = await setup();
    const { id } = parseApiKey(key)!;
    const odd = { id, prefix: 'sk_live', hash: 'not base64url!', owner: 'o', scopes: [] };
    const store = { find: async () => odd } as unknown as ApiKeyStore;
    const auth = createAuthenticator({ schemes: [apiKey({ store })] });
    const result = await auth.authenticate(withHeaders({ 'x-api-key': key }));
    expect(!result.ok && result.error.code).toBe('invalid_token');
  });

  it('records use without waiting for it, and ignores its failures', async () => {
    const { store, key, record, auth } = await setup();
    await auth.authenticate(withHeaders({ 'x-api-key': key }));
    await auth.authenticate(withHeaders({ 'x-api-key': key }));
    await settle();
    expect(store.calls.recordUse).toBe(2);
    expect(await store.find(record.id)).toMatchObject({ useCount: 2 });

    const inner = new MemoryApiKeyStore([record]);
    const hanging: ApiKeyStore = {
      find: (id) => inner.find(id),
      create: (r) => inner.create(r),
      revoke: (id, at) => inner.revoke(id, at),
      expire: (id, at) => inner.expire(id, at),
      listByOwner: (o) => inner.listByOwner(o),
      recordUse: () => new Promise<void>(() => {}),
    };
    const failing: ApiKeyStore = { ...hanging, recordUse: () => Promise.reject(new Error('down')) };
    const throwing: ApiKeyStore = {
      ...hanging,
      recordUse: () => {
        throw new Error('sync');
      },
    };
    for (const s of [hanging, failing, throwing]) {
      const a = createAuthenticator({ schemes: [apiKey({ store: s })] });
      expect((await a.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(true);
    }
    const untracked = new CountingStore();
    await untracked.create(record);
    const a = createAuthenticator({ schemes: [apiKey({ store: untracked, trackUsage: false })] });
    expect((await a.authenticate(withHeaders({ 'x-api-key': key }))).ok).toBe(true);
    expect(untracked.calls.recordUse).toBe(0);
  });

  it('enforces scopes: 403 insufficient_scope naming the scopes', async () => {
    const { key, auth } = await setup();
    const view = withHeaders({ 'x-api-key': key });
    expect((await auth.authenticate(view, { require: scopeRequirement('orders:read') })).ok).toBe(
      true,
    );
    const denied = await auth.authenticate(view, { require: { scopes: 'orders:read admin' } });
    expect(denied.ok).toBe(false);
    if (denied.ok) return;
    const rendered = auth.render(denied.error);
    expect(rendered.status).toBe(403);
    expect(rendered.headers['www-authenticate']).toBe(
      'ApiKey realm="api", error="insufficient_scope", error_description="The API key does not have the required scope", scope="orders:read admin"',
    );
    const ok = await auth.authenticate(view);
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    const anyOf = auth.authorize(ok.principal, { scopes: { anyOf: ['admin', 'root'] } });
    expect(!anyOf.ok && auth.render(anyOf.error).headers['www-authenticate']).toContain(
      'scope="admin root"',
    );
  });

  it('takes keys as Bearer only when asked, and only tokens of the key form', async () => {
    const { key, auth } = await setup();
    const asBearer = withHeaders({ authorization: `Bearer ${key}` });
    const refused = await auth.authenticate(asBearer);
    expect(!refused.ok && refused.error.code).toBe('invalid_token');

    const withBearer = (await setup({ bearer: true })).auth;
    const scheme = apiKey({ store: new MemoryApiKeyStore(), bearer: true });
    const headerOnly = apiKey({ store: new MemoryApiKeyStore() });
    expect(headerOnly.accepts({ slot: 'bearer', token: key, source: 'authorization' })).toBe(false);
    expect(headerOnly.accepts({ slot: 'apiKey', token: key, source: 'header' })).toBe(true);
    expect(scheme.accepts({ slot: 'bearer', token: key, source: 'authorization' })).toBe(true);
    expect(scheme.accepts({ slot: 'bearer', token: 'a.b.c', source: 'authorization' })).toBe(false);
    expect(scheme.accepts({ slot: 'apiKey', token: 'a.b.c', source: 'header' })).toBe(true);
    const other = await setup({ bearer: true });
    const ok = await other.auth.authenticate(withHeaders({ authorization: `Bearer ${other.key}` }));
    expect(ok.ok).toBe(true);
    // A bearer failure is rendered with the Bearer challenge, like any bearer token.
    const bad = await withBearer.authenticate(
      withHeaders({ authorization: `Bearer ${typo(key)}` }),
    );
    expect(!bad.ok && withBearer.render(bad.error).headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    );
  });

  it('describes itself to the authenticator', () => {
    const scheme = apiKey({ store: new MemoryApiKeyStore(), header: 'X-Key' });
    expect(scheme.name).toBe('apiKey');
    expect(scheme.challenge).toBe('ApiKey');
    expect(scheme.sources).toEqual({ apiKeyHeader: 'x-key' });
  });

  it('throws on misconfiguration', () => {
    const store = new MemoryApiKeyStore();
    expect(() => apiKey({} as { store: ApiKeyStore })).toThrow(/store/);
    expect(() => apiKey({ store, header: 'x api key' })).toThrow(/header/);
    expect(() => apiKey({ store, header: 'Authorization' })).toThrow(/bearer/);
    expect(() => apiKey({ store, prefixes: [] })).toThrow(/prefixes/);
    expect(() => apiKey({ store, prefixes: ['sk_live_'] })).toThrow(/prefix/);
  });

  it('never throws for odd input', async () => {
    const { auth } = await setup({ bearer: true });
    const scheme = apiKey({ store: new MemoryApiKeyStore() });
    const view = withHeaders({});
    for (const token of ['', 'x', '\u0000', 'a'.repeat(10_000), '_'.repeat(76)]) {
      const r = await scheme.verify({ slot: 'apiKey', token, source: 'header' }, view);
      expect(r.ok).toBe(false);
    }
    const missing = await auth.authenticate(withHeaders({}));
    expect(!missing.ok && auth.render(missing.error).headers['www-authenticate']).toBe(
      'ApiKey realm="api"',
    );
  });
});

describe('principal reuse', () => {
  it('a store that edits a record in place never serves the old scopes', async () => {
    const { key, record } = await generateApiKey({
      prefix: 'sk_live',
      owner: 'acme',
      scopes: ['a'],
    });
    const mutable = { ...record, scopes: ['a'] };
    const store: ApiKeyStore = {
      find: async () => mutable,
      create: async () => {},
      revoke: async () => true,
      expire: async () => true,
      listByOwner: async () => [mutable],
      recordUse: async () => {},
    };
    const auth = createAuthenticator({ schemes: [apiKey({ store })] });
    const view = () =>
      fetchRequestView(new Request('http://api.test/', { headers: { 'x-api-key': key } }));
    const first = await auth.authenticate(view());
    expect(first.ok && [...first.principal.scopes]).toEqual(['a']);
    mutable.scopes.push('b');
    const second = await auth.authenticate(view());
    expect(second.ok && [...second.principal.scopes]).toEqual(['a', 'b']);
  });
});
