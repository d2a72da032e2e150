// Prints what docs/observability.md and the provider pages claim, from the built packages:
//   (a) the log lines of a JWKS outage and the 503 + Retry-After the client gets,
//   (b) the span and metric points of one authenticated request (OpenTelemetry SDK, in memory),
//   (c) per provider profile, one token of its documented shape accepted and its key refusals.
// Run `pnpm build` first, then `node scripts/evidence.mjs`. Everything listens on 127.0.0.1.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  auth0,
  cognito,
  createAuthenticator,
  entra,
  jwt,
  keycloak,
  nodeRequestView,
  okta,
} from '../packages/core/dist/index.js';

// The OpenTelemetry SDK is a dev dependency of the core (the core needs only the API).
const fromCore = createRequire(new URL('../packages/core/package.json', import.meta.url));
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = fromCore(
  '@opentelemetry/sdk-trace-base',
);
const {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} = fromCore('@opentelemetry/sdk-metrics');

const now = () => Math.floor(Date.now() / 1000);
const print = (line = '') => process.stdout.write(`${line}\n`);
const section = (title) => print(`\n## ${title}\n`);

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// One RSA key pair for the whole run (generating one takes a while), under each source's kid.
let pair;
async function rsaKey(kid) {
  pair ??= await generateKeyPair('RS256');
  const { privateKey, publicKey } = pair;
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}
const mint = (key, header, claims) =>
  new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);

/** A JSON logger that prints each line as pino would ship it. */
const logger = Object.fromEntries(
  ['debug', 'info', 'warn', 'error'].map((level) => [
    level,
    (fields, msg) =>
      print(`  ${JSON.stringify({ level, time: new Date().toISOString(), ...fields, msg })}`),
  ]),
);

/** An API on core alone: `GET /v1/me` answers the principal's id, a refusal its rendering. */
function api(authenticator) {
  return listen(async (req, res) => {
    const result = await authenticator.authenticate(nodeRequestView(req));
    if (result.ok) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: result.principal.id }));
      return;
    }
    const r = authenticator.render(result.error);
    res.writeHead(r.status, r.headers).end(r.body);
  });
}
async function get(url, token) {
  const r = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  const headers = ['www-authenticate', 'retry-after', 'cache-control']
    .filter((h) => r.headers.has(h))
    .map((h) => `${h}: ${r.headers.get(h)}`);
  return [`HTTP ${r.status}`, ...headers, await r.text()].join('\n    ');
}

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example';

/**
 * A real JWKS server for a key of `kid`, the API in front of an authenticator on it (`scheme`
 * and `options` added to the JWT scheme's and the authenticator's), and a token of that key
 * (`claims` added to its own).
 */
async function jwksApi(kid, scheme, options, claims) {
  const key = await rsaKey(kid);
  const jwks = await listen((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: [key.jwk] }));
  });
  const authenticator = createAuthenticator({
    schemes: [
      jwt({
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        jwksUri: `${jwks.url}/jwks.json`,
        ...scheme,
      }),
    ],
    ...options,
  });
  const server = await api(authenticator);
  const token = await mint(
    key,
    { alg: 'RS256', typ: 'at+jwt', kid: key.kid },
    { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now(), exp: now() + 600, ...claims },
  );
  return { jwks, server, token };
}

// (a) A real JWKS server that goes down while the API runs.
async function outage() {
  section('(a) JWKS outage: the log lines and the response');
  const { jwks, server, token } = await jwksApi(
    'k-1',
    // Keys refreshed at every request and no stale keys: the outage shows at once.
    {
      cache: false,
      jwks: { cacheMaxAgeMs: 1, staleIfErrorMs: 0, retryAfterFailureMs: 5_000 },
    },
    { logger },
    {},
  );
  print('JWKS up:');
  print(`  ${await get(server.url, token)}`);
  await jwks.close();
  await new Promise((r) => setTimeout(r, 5));
  print('JWKS down (the log lines, then the answer):');
  print(`  ${await get(server.url, token)}`);
  print('A second request in the outage (no new warn: rate-limited):');
  print(`  ${await get(server.url, token)}`);
  await server.close();
}

// (b) The span and metric points of one authenticated request.
async function telemetry() {
  section('(b) One authenticated request: its span and metric points');
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const { jwks, server, token } = await jwksApi(
    'k-2',
    {},
    {
      telemetry: { tracer: tracerProvider.getTracer('api'), meter: meterProvider.getMeter('api') },
    },
    { client_id: 'web-app', scope: 'orders:read' },
  );
  print(`request: ${await get(server.url, token)}`);
  for (const span of spans.getFinishedSpans()) {
    const ms = (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(2);
    print(`span ${span.name} (${ms} ms, status ${span.status.code})`);
    for (const [k, v] of Object.entries(span.attributes)) print(`  ${k} = ${JSON.stringify(v)}`);
  }
  await reader.forceFlush();
  const metrics =
    exporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
  for (const m of metrics) {
    for (const p of m.dataPoints) {
      const value =
        typeof p.value === 'number'
          ? p.value
          : `count ${p.value.count}, sum ${p.value.sum.toFixed(6)} s`;
      print(`metric ${m.descriptor.name} ${JSON.stringify(p.attributes)} ${value}`);
    }
  }
  await server.close();
  await jwks.close();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
}

// (c) The profiles keep their real https URLs; `fetch` sends the provider's origin to 127.0.0.1.
async function provider(origin, routes) {
  const key = await rsaKey(`kid-${origin.length}`);
  const bodies = routes({ keys: [key.jwk] });
  const server = await listen((req, res) => {
    const body = bodies[new URL(req.url, 'http://x').pathname];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const local = (input, init) => {
    const url = new URL(input);
    if (url.origin !== origin) return Promise.reject(new Error(`unexpected fetch of ${url.href}`));
    return fetch(`${server.url}${url.pathname}${url.search}`, init);
  };
  return { key, fetch: local, close: server.close };
}

async function profile(name, setup, p, cases) {
  print(`### ${name}`);
  const authenticator = createAuthenticator({ schemes: [jwt({ ...setup, fetch: p.fetch })] });
  for (const [label, header, claims] of cases) {
    const token = await mint(p.key, { ...header, kid: p.key.kid }, claims);
    const result = await authenticator.authenticate({
      method: 'GET',
      url: 'https://api.example/v1/me',
      headers: (name) => (name === 'authorization' ? [`Bearer ${token}`] : []),
    });
    if (result.ok) {
      const { kind, id, clientId, scopes, roles } = result.principal;
      print(
        `  accepted  ${label}: ${JSON.stringify({ kind, id, clientId, scopes: [...scopes], roles: roles && [...roles] })}`,
      );
    } else {
      const r = authenticator.render(result.error);
      print(
        `  refused   ${label}: ${r.status} ${result.error.code} (reason ${result.error.reason})`,
      );
    }
  }
  await p.close();
}

async function profiles() {
  section('(c) Provider profiles: a token of the documented shape, and the refusals');
  const t = now();

  const AUTH0 = 'my-tenant.us.auth0.com';
  const auth0Claims = (extra = {}) => ({
    iss: `https://${AUTH0}/`,
    sub: 'auth0|123456',
    aud: ['https://example.com/health-api', `https://${AUTH0}/userinfo`],
    azp: 'my_client_id',
    iat: t - 10,
    exp: t + 86_400,
    scope: 'openid profile read:patients',
    permissions: ['read:patients'],
    ...extra,
  });
  await profile(
    'auth0({ domain, audience })',
    auth0({ domain: AUTH0, audience: 'https://example.com/health-api' }),
    await provider(`https://${AUTH0}`, (jwks) => ({ '/.well-known/jwks.json': jwks })),
    [
      ['access token (Auth0 profile, typ JWT)', { alg: 'RS256', typ: 'JWT' }, auth0Claims()],
      [
        'wrong audience',
        { alg: 'RS256', typ: 'JWT' },
        auth0Claims({ aud: 'https://other.example/api' }),
      ],
      [
        'another tenant',
        { alg: 'RS256', typ: 'JWT' },
        auth0Claims({ iss: 'https://evil.us.auth0.com/' }),
      ],
      ['expired', { alg: 'RS256', typ: 'JWT' }, auth0Claims({ exp: t - 3600 })],
    ],
  );

  const OKTA = 'https://dev-133337.okta.com';
  const OKTA_ISS = `${OKTA}/oauth2/default`;
  const oktaClaims = (extra = {}) => ({
    ver: 1,
    jti: 'AT.MNAoEQ_jbKqoinrQo1D0XKjMX28U5d7ZszBceot7-Ts',
    iss: OKTA_ISS,
    aud: 'api://default',
    sub: 'alice@example.com',
    iat: t - 5,
    exp: t + 3600,
    cid: '0oa1b2c3d4EXAMPLE',
    uid: '00u1a2b3c4EXAMPLE',
    scp: ['openid', 'profile', 'orders:read'],
    ...extra,
  });
  await profile(
    'okta({ issuer, audience })',
    okta({ issuer: OKTA_ISS, audience: 'api://default' }),
    await provider(OKTA, (jwks) => ({
      '/oauth2/default/.well-known/openid-configuration': {
        issuer: OKTA_ISS,
        jwks_uri: `${OKTA_ISS}/v1/keys`,
      },
      '/oauth2/default/v1/keys': jwks,
    })),
    [
      ['access token (no typ, scp array, cid)', { alg: 'RS256' }, oktaClaims()],
      ['wrong audience', { alg: 'RS256' }, oktaClaims({ aud: 'api://other' })],
      [
        'another authorization server',
        { alg: 'RS256' },
        oktaClaims({ iss: `${OKTA}/oauth2/other` }),
      ],
      ['no cid (not an access token)', { alg: 'RS256' }, oktaClaims({ cid: undefined })],
    ],
  );

  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const OTHER = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
  const CLIENT = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
  const entraClaims = (extra = {}) => ({
    aud: CLIENT,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    iat: t - 60,
    nbf: t - 60,
    exp: t + 3600,
    azp: '2d4d11a2-f814-46a7-890a-274a72a7309e',
    oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
    scp: 'Files.Read Files.ReadWrite',
    roles: ['Reader'],
    sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
    tid: TENANT,
    ver: '2.0',
    ...extra,
  });
  await profile(
    'entra({ tenantId, audience })',
    entra({ tenantId: TENANT, audience: CLIENT }),
    await provider('https://login.microsoftonline.com', (jwks) => ({
      [`/${TENANT}/discovery/v2.0/keys`]: jwks,
    })),
    [
      [
        'v2.0 access token (typ JWT, scp string, roles)',
        { alg: 'RS256', typ: 'JWT' },
        entraClaims(),
      ],
      [
        'token of another tenant',
        { alg: 'RS256', typ: 'JWT' },
        entraClaims({ iss: `https://login.microsoftonline.com/${OTHER}/v2.0`, tid: OTHER }),
      ],
      [
        'another tenant id under this issuer',
        { alg: 'RS256', typ: 'JWT' },
        entraClaims({ tid: OTHER }),
      ],
      [
        'wrong audience (Microsoft Graph)',
        { alg: 'RS256', typ: 'JWT' },
        entraClaims({ aud: '00000003-0000-0000-c000-000000000000' }),
      ],
    ],
  );

  const KC = 'https://sso.example.com';
  const KC_ISS = `${KC}/realms/acme`;
  const kcClaims = (extra = {}) => ({
    exp: t + 300,
    iat: t,
    iss: KC_ISS,
    aud: ['orders-api', 'account'],
    sub: 'f1b4c1a6-43a5-4d1b-8c50-26e7d0c3c1a2',
    typ: 'Bearer',
    azp: 'web-app',
    realm_access: { roles: ['offline_access', 'admin'] },
    resource_access: { 'orders-api': { roles: ['orders:approve'] } },
    scope: 'openid profile email orders.read',
    ...extra,
  });
  await profile(
    "keycloak({ url, realm: 'acme', audience })",
    keycloak({ url: KC, realm: 'acme', audience: 'orders-api' }),
    await provider(KC, (jwks) => ({
      '/realms/acme/.well-known/openid-configuration': {
        issuer: KC_ISS,
        jwks_uri: `${KC_ISS}/protocol/openid-connect/certs`,
      },
      '/realms/acme/protocol/openid-connect/certs': jwks,
    })),
    [
      [
        'access token (typ Bearer, realm and client roles)',
        { alg: 'RS256', typ: 'JWT' },
        kcClaims(),
      ],
      [
        'ID token (typ ID) posing as access token',
        { alg: 'RS256', typ: 'JWT' },
        kcClaims({ typ: 'ID', aud: 'web-app' }),
      ],
      ['wrong audience', { alg: 'RS256', typ: 'JWT' }, kcClaims({ aud: ['account'] })],
      ['another realm', { alg: 'RS256', typ: 'JWT' }, kcClaims({ iss: `${KC}/realms/other` })],
    ],
  );

  const POOL = 'us-east-1_EXAMPLE';
  const COG_ISS = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
  const APP = '1example23456789';
  const access = (extra = {}) => ({
    sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
    'cognito:groups': ['admin'],
    iss: COG_ISS,
    version: 2,
    client_id: APP,
    token_use: 'access',
    scope: 'openid profile resourceserver.1/appclient2',
    auth_time: t - 10,
    exp: t + 3600,
    iat: t - 10,
    jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    username: 'my-test-user',
    ...extra,
  });
  const { client_id: _c, scope: _s, ...idBase } = access({ token_use: 'id', aud: APP });
  await profile(
    'cognito({ region, userPoolId, clientId })',
    cognito({ region: 'us-east-1', userPoolId: POOL, clientId: APP }),
    await provider('https://cognito-idp.us-east-1.amazonaws.com', (jwks) => ({
      [`/${POOL}/.well-known/jwks.json`]: jwks,
    })),
    [
      ['access token (no aud, client_id, token_use access)', { alg: 'RS256' }, access()],
      [
        'ID token posing as access token',
        { alg: 'RS256' },
        { ...idBase, email: 'user@example.com' },
      ],
      [
        'access token of another app client',
        { alg: 'RS256' },
        access({ client_id: '9other87654321' }),
      ],
      [
        'another user pool',
        { alg: 'RS256' },
        access({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OTHER' }),
      ],
    ],
  );
}

await outage();
await telemetry();
await profiles();
print('\nevidence: done');
