// Smoke suite for the built @authcore/core and @authcore/hono on Node.js, Bun and Deno.
// Plain ESM, no test framework, no `node:` module beyond fs/path/url/process (all three runtimes
// have them): run `node runtimes/smoke.mjs`, `bun runtimes/smoke.mjs` or
// `deno run --allow-read --allow-env --allow-net=127.0.0.1 runtimes/smoke.mjs` after `pnpm build`.
// Prints one line per check and ends with `N passed, N failed`; exits 1 on any failure.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runtime =
  typeof globalThis.Bun !== 'undefined'
    ? `bun ${globalThis.Bun.version}`
    : typeof globalThis.Deno !== 'undefined'
      ? `deno ${globalThis.Deno.version.deno}`
      : `node ${process.versions.node}`;

/** The ESM entry of `name` as the package in `fromDir` sees it (walks up its node_modules). */
function resolveEsm(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    if (existsSync(join(pkgDir, 'package.json'))) {
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      let entry = pkg.exports?.['.'] ?? pkg.exports ?? pkg.module ?? pkg.main ?? 'index.js';
      while (typeof entry === 'object' && entry !== null)
        entry = entry.import ?? entry.default ?? entry.node;
      return pathToFileURL(join(pkgDir, entry)).href;
    }
    if (dirname(dir) === dir) throw new Error(`cannot resolve ${name} from ${fromDir}`);
  }
}

function built(path) {
  const file = join(root, path);
  if (!existsSync(file)) {
    console.error(`${path} is missing: run \`pnpm build\` first`);
    process.exit(1);
  }
  return pathToFileURL(file).href;
}

const core = await import(built('packages/core/dist/index.js'));
const adapter = await import(built('packages/hono/dist/index.js'));
// The same copies the packages themselves use: jose from the core, hono from the adapter.
const jose = await import(resolveEsm('jose', join(root, 'packages/core')));
const { Hono } = await import(resolveEsm('hono', join(root, 'packages/hono')));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}: ${error?.stack ?? error}`);
  }
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

const ISSUER = 'https://issuer.smoke.test/';
const AUDIENCE = 'https://api.smoke.test';
const URL_ME = 'http://api.smoke.test/me';
const now = () => Math.floor(Date.now() / 1000);

async function keysFor(alg) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: `${alg}-1`, alg, use: 'sig' };
  const sign = (claims = {}, expiresIn = 300) =>
    new jose.SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      iat: now(),
      exp: now() + expiresIn,
      jti: crypto.randomUUID(),
      scope: 'orders:read',
      ...claims,
    })
      .setProtectedHeader({ alg, typ: 'at+jwt', kid: jwk.kid })
      .sign(privateKey);
  return { alg, publicKey, jwks: { keys: [jwk] }, sign };
}

const es256 = await keysFor('ES256');
const eddsa = await keysFor('EdDSA');
const store = new core.MemoryApiKeyStore();
const authenticator = core.createAuthenticator({
  schemes: [
    core.jwt({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256', 'EdDSA'],
      keys: { keys: [...es256.jwks.keys, ...eddsa.jwks.keys] },
    }),
    core.apiKey({ store, prefixes: ['sk_test'] }),
  ],
});
const view = (headers = {}) => core.fetchRequestView(new Request(URL_ME, { headers }));
const bearer = (token) => ({ authorization: `Bearer ${token}` });

const INVALID_BODY = '{"error":"invalid_token","error_description":"The access token is invalid"}';
const BEARER_INVALID =
  'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"';

console.log(`# authcore runtime smoke on ${runtime}`);

await check('core: ES256 JWT verified from a local CryptoKey', async () => {
  const single = core.createAuthenticator({
    schemes: [
      core.jwt({
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        keys: es256.publicKey,
      }),
    ],
  });
  const result = await single.authenticate(view(bearer(await es256.sign())));
  if (!result.ok) throw result.error.cause ?? result.error;
  equal(result.principal.id, 'user-1', 'principal.id');
  equal(result.principal.kind, 'user', 'principal.kind');
  equal([...result.principal.scopes], ['orders:read'], 'principal.scopes');
});

await check('core: ES256 and EdDSA JWTs verified from a local JWKS', async () => {
  for (const keys of [es256, eddsa]) {
    const result = await authenticator.authenticate(view(bearer(await keys.sign())));
    if (!result.ok) throw new Error(`${keys.alg}: ${result.error.cause ?? result.error.code}`);
    equal(core.principalToJSON(result.principal).issuer, ISSUER, `${keys.alg} issuer`);
  }
});

await check('core: expired token renders the exact 401', async () => {
  const result = await authenticator.authenticate(view(bearer(await es256.sign({}, -60))));
  if (result.ok) throw new Error('an expired token was accepted');
  equal(result.error.code, 'invalid_token', 'code');
  equal(result.error.cause?.code, 'ERR_JWT_EXPIRED', 'cause.code');
  equal(
    authenticator.render(result.error),
    {
      status: 401,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'www-authenticate': BEARER_INVALID,
      },
      body: INVALID_BODY,
    },
    'rendering',
  );
});

await check('core: token signed by an unknown key is refused', async () => {
  const other = await keysFor('ES256');
  const result = await authenticator.authenticate(view(bearer(await other.sign())));
  equal(result.ok, false, 'ok');
  equal(result.error.code, 'invalid_token', 'code');
});

let liveKey = '';
await check('core: API key round trip with MemoryApiKeyStore', async () => {
  const { key, record } = await core.generateApiKey({
    prefix: 'sk_test',
    owner: 'app-1',
    scopes: ['orders:read', 'orders:write'],
  });
  if (!core.API_KEY_PATTERN.test(key)) throw new Error(`key ${key} has not the API key form`);
  if (JSON.stringify(record).includes(key.split('_').at(-1)))
    throw new Error('the record holds the secret');
  await store.create(record);
  const result = await authenticator.authenticate(view({ 'x-api-key': key }));
  if (!result.ok) throw result.error.cause ?? result.error;
  const p = core.principalToJSON(result.principal);
  equal(
    [p.kind, p.scheme, p.scopes],
    ['application', 'apiKey', ['orders:read', 'orders:write']],
    'principal',
  );
  equal(result.principal.claims.owner, 'app-1', 'claims.owner');
  liveKey = key;

  const tampered = `${key.slice(0, -1)}${key.at(-1) === 'a' ? 'b' : 'a'}`;
  const refused = await authenticator.authenticate(view({ 'x-api-key': tampered }));
  equal(refused.ok, false, 'tampered key accepted');
  equal(
    authenticator.render(refused.error).headers['www-authenticate'],
    'ApiKey realm="api", error="invalid_token", error_description="The API key is invalid"',
    'tampered key challenge',
  );

  const second = await core.generateApiKey({ prefix: 'sk_test', owner: 'app-1' });
  await store.create(second.record);
  await store.revoke(second.record.id, Date.now());
  const revoked = await authenticator.authenticate(view({ 'x-api-key': second.key }));
  equal(revoked.ok, false, 'revoked key accepted');
  equal(String(revoked.error.cause?.message), 'API key revoked', 'revoked cause');
  equal((await store.listByOwner('app-1')).length, 2, 'listByOwner');
});

const app = new Hono();
app.get('/me', adapter.authenticate(authenticator), (c) =>
  c.json(core.principalToJSON(c.get('auth'))),
);
app.post(
  '/orders',
  adapter.authenticate(authenticator),
  adapter.requireScopes('orders:write'),
  (c) => c.json({ created: true }, 201),
);
app.get('/feed', adapter.authenticate(authenticator, { optional: true }), (c) =>
  c.json({ signedIn: !!c.get('auth') }),
);

await check('hono: valid token answers 200 with the principal', async () => {
  const res = await app.request('/me', { headers: bearer(await eddsa.sign()) });
  equal(res.status, 200, 'status');
  const body = await res.json();
  equal([body.id, body.kind, body.scheme], ['user-1', 'user', 'jwt'], 'body');
});

await check('hono: no credential answers 401 with the exact bare challenge', async () => {
  const res = await app.request('/me');
  equal(res.status, 401, 'status');
  equal(res.headers.get('www-authenticate'), 'Bearer realm="api", ApiKey realm="api"', 'challenge');
  equal(res.headers.get('cache-control'), 'no-store', 'cache-control');
  equal(
    await res.text(),
    '{"error":"credentials_required","error_description":"Authentication required"}',
    'body',
  );
});

await check('hono: expired token answers the exact 401', async () => {
  const res = await app.request('/me', { headers: bearer(await es256.sign({}, -60)) });
  equal(res.status, 401, 'status');
  equal(res.headers.get('www-authenticate'), BEARER_INVALID, 'challenge');
  equal(await res.text(), INVALID_BODY, 'body');
});

await check('hono: API key answers 200', async () => {
  if (!liveKey) throw new Error('no key from the round trip check');
  const res = await app.request('/me', { headers: { 'x-api-key': liveKey } });
  equal(res.status, 200, 'status');
  equal((await res.json()).scheme, 'apiKey', 'scheme');
});

await check('hono: requireScopes answers 403 with the scope challenge, 201 with it', async () => {
  const denied = await app.request('/orders', {
    method: 'POST',
    headers: bearer(await es256.sign()),
  });
  equal(denied.status, 403, 'status');
  equal(
    denied.headers.get('www-authenticate'),
    'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="orders:write"',
    'challenge',
  );
  const token = await es256.sign({ scope: 'orders:read orders:write' });
  const ok = await app.request('/orders', { method: 'POST', headers: bearer(token) });
  equal(ok.status, 201, 'status with the scope');
});

await check('hono: two Authorization lines answer 400 invalid_request', async () => {
  const token = await es256.sign();
  const headers = new Headers([
    ['authorization', `Bearer ${token}`],
    ['authorization', `Bearer ${token}`],
  ]);
  const res = await app.request('/me', { headers });
  equal(res.status, 400, 'status');
  equal(
    res.headers.get('www-authenticate'),
    'Bearer realm="api", error="invalid_request", error_description="The request is malformed"',
    'challenge',
  );
});

await check('hono: optional route lets an anonymous request through', async () => {
  const res = await app.request('/feed');
  equal([res.status, await res.json()], [200, { signedIn: false }], 'response');
});

// The runtime's own HTTP server (Bun.serve, Deno.serve); Node's servers are covered by
// scripts/pack-test.mjs through @hono/node-server.
const serve = globalThis.Bun
  ? () => {
      const server = globalThis.Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
      return { port: server.port, close: () => server.stop(true) };
    }
  : globalThis.Deno
    ? () => {
        const server = globalThis.Deno.serve(
          { port: 0, hostname: '127.0.0.1', onListen() {} },
          app.fetch,
        );
        return { port: server.addr.port, close: () => server.shutdown() };
      }
    : undefined;
if (serve) {
  await check(
    `hono: ${globalThis.Bun ? 'Bun.serve' : 'Deno.serve'} on 127.0.0.1 answers 200 and 401`,
    async () => {
      const server = await serve();
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const ok = await fetch(`${base}/me`, { headers: bearer(await es256.sign()) });
        equal([ok.status, (await ok.json()).id], [200, 'user-1'], 'with a token');
        const none = await fetch(`${base}/me`);
        await none.body?.cancel();
        equal(
          [none.status, none.headers.get('www-authenticate')],
          [401, 'Bearer realm="api", ApiKey realm="api"'],
          'without',
        );
      } finally {
        await server.close();
      }
    },
  );
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
