// One HTTP server for the HTTP part, run in its own child process (forked by http.mjs) so the
// load generator never shares its event loop. `BENCH_SERVER` says which framework and which
// auth mode; `BENCH_FIXTURE` carries the key, the token and the API key record. It answers
// `GET /v1/me` with `{ id }` and tells its port to the parent over IPC.

/**
 * @typedef {{ framework: string, mode: string }} ServerSpec
 * @typedef {{ issuer: string, audience: string, jwk: Record<string, unknown>, pem: string,
 *   token: string, apiKey: string, apiKeyRecord: import('@authcore/core').ApiKeyRecord }} Fixture
 */

/** @param {Fixture} fx @param {string} mode */
async function authenticator(fx, mode) {
  const { apiKey, createAuthenticator, jwt, MemoryApiKeyStore } = await import('@authcore/core');
  if (mode === 'apikey') {
    return createAuthenticator({
      schemes: [apiKey({ store: new MemoryApiKeyStore([fx.apiKeyRecord]) })],
    });
  }
  return createAuthenticator({
    schemes: [
      jwt({
        issuer: fx.issuer,
        audience: fx.audience,
        algorithms: ['ES256'],
        keys: fx.jwk,
        ...(mode === 'jwt-nocache' && { cache: false }),
      }),
    ],
  });
}

const isAuthcore = (/** @type {string} */ mode) =>
  mode === 'jwt-cache' || mode === 'jwt-nocache' || mode === 'apikey';

/**
 * @param {Fixture} fx
 * @param {string} mode
 * @returns {Promise<import('node:http').Server>}
 */
async function express(fx, mode) {
  const { default: express } = await import('express');
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  if (mode === 'none') {
    app.get('/v1/me', (_req, res) => {
      res.json({ id: 'anonymous' });
    });
  } else if (isAuthcore(mode)) {
    const { authenticate } = await import('@authcore/express');
    const auth = await authenticator(fx, mode);
    app.get('/v1/me', authenticate(auth), (req, res) => {
      res.json({
        id: /** @type {{ auth: { id: string } }} */ (/** @type {unknown} */ (req)).auth.id,
      });
    });
  } else if (mode === 'peer') {
    const { expressjwt } = await import('express-jwt');
    const guard = expressjwt({
      secret: fx.pem,
      algorithms: ['ES256'],
      issuer: fx.issuer,
      audience: fx.audience,
    });
    app.get('/v1/me', guard, (req, res) => {
      res.json({
        id: /** @type {{ auth: { sub: string } }} */ (/** @type {unknown} */ (req)).auth.sub,
      });
    });
  } else throw new Error(`express: no mode ${mode}`);
  const { createServer } = await import('node:http');
  return createServer(app);
}

/** @param {Fixture} fx @param {string} mode */
async function koa(fx, mode) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  /** @type {(ctx: import('koa').Context) => string} */
  let idOf = () => 'anonymous';
  if (isAuthcore(mode)) {
    const { authenticate } = await import('@authcore/koa');
    app.use(authenticate(await authenticator(fx, mode)));
    idOf = (ctx) => ctx.state.auth.id;
  } else if (mode === 'peer') {
    const { default: koaJwt } = await import('koa-jwt');
    app.use(
      koaJwt({ secret: fx.pem, algorithms: ['ES256'], issuer: fx.issuer, audience: fx.audience }),
    );
    idOf = (ctx) => ctx.state.user.sub;
  } else if (mode !== 'none') throw new Error(`koa: no mode ${mode}`);
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/v1/me') ctx.body = { id: idOf(ctx) };
  });
  const { createServer } = await import('node:http');
  return createServer(app.callback());
}

/** @param {Fixture} fx @param {string} mode */
async function hono(fx, mode) {
  const { Hono } = await import('hono');
  const { createAdaptorServer } = await import('@hono/node-server');
  const app = new Hono();
  if (mode === 'none') {
    app.get('/v1/me', (c) => c.json({ id: 'anonymous' }));
  } else if (isAuthcore(mode)) {
    const { authenticate } = await import('@authcore/hono');
    const auth = await authenticator(fx, mode);
    app.get('/v1/me', authenticate(auth), (/** @type {any} */ c) =>
      c.json({ id: c.get('auth').id }),
    );
  } else if (mode === 'peer') {
    const { jwt } = await import('hono/jwt');
    const guard = jwt({
      secret: /** @type {JsonWebKey} */ (fx.jwk),
      alg: 'ES256',
      verification: { iss: fx.issuer, aud: fx.audience },
    });
    app.get('/v1/me', guard, (c) => c.json({ id: c.get('jwtPayload').sub }));
  } else throw new Error(`hono: no mode ${mode}`);
  return /** @type {import('node:http').Server} */ (createAdaptorServer({ fetch: app.fetch }));
}

/** @param {Fixture} fx @param {string} mode */
async function fastify(fx, mode) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  /** @type {(req: import('fastify').FastifyRequest) => string} */
  let idOf = () => 'anonymous';
  if (isAuthcore(mode)) {
    const { authcore } = await import('@authcore/fastify');
    await app.register(authcore, { authenticator: await authenticator(fx, mode) });
    idOf = (req) => /** @type {{ auth: { id: string } }} */ (/** @type {unknown} */ (req)).auth.id;
  } else if (mode === 'peer' || mode === 'peer-nocache') {
    const { default: fastifyJwt } = await import('@fastify/jwt');
    await app.register(fastifyJwt, {
      secret: { public: fx.pem, private: '' },
      verify: {
        algorithms: ['ES256'],
        allowedIss: fx.issuer,
        allowedAud: fx.audience,
        cache: mode === 'peer',
      },
    });
    app.addHook('onRequest', async (req) => {
      await req.jwtVerify();
    });
    idOf = (req) =>
      /** @type {{ user: { sub: string } }} */ (/** @type {unknown} */ (req)).user.sub;
  } else if (mode !== 'none') throw new Error(`fastify: no mode ${mode}`);
  app.get('/v1/me', { config: { auth: {} } }, async (req) => ({ id: idOf(req) }));
  await app.ready();
  return /** @type {import('node:http').Server} */ (app.server);
}

/** authcore on bare node:http with the core alone, as examples/node-http does. */
async function node(fx, mode) {
  const { createServer } = await import('node:http');
  const send = (/** @type {import('node:http').ServerResponse} */ res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  if (mode === 'none') return createServer((_req, res) => send(res, 200, { id: 'anonymous' }));
  if (mode === 'jose' || mode === 'crypto') return floor(fx, mode, send);
  if (!isAuthcore(mode)) throw new Error(`node: no mode ${mode}`);
  const { nodeRequestView } = await import('@authcore/core');
  const auth = await authenticator(fx, mode);
  return createServer(async (req, res) => {
    const result = await auth.authenticate(nodeRequestView(req));
    if (!result.ok) {
      const rendered = auth.render(result.error);
      res.writeHead(rendered.status, rendered.headers);
      return res.end(rendered.body);
    }
    send(res, 200, { id: result.principal.id });
  });
}

/**
 * The floors of the distinct-token part on bare node:http: `jose` (jwtVerify with the key
 * imported once, checking iss, aud, alg and exp) and `crypto` (a synchronous ECDSA check with
 * node:crypto, then the same claims by hand). Neither checks `typ` or anything else authcore does.
 * @param {Fixture} fx @param {string} mode
 * @param {(res: import('node:http').ServerResponse, status: number, body: unknown) => void} send
 */
async function floor(fx, mode, send) {
  const { createServer } = await import('node:http');
  const { createPublicKey, verify } = await import('node:crypto');
  const { importJWK, jwtVerify } = await import('jose');
  const joseKey = await importJWK(/** @type {import('jose').JWK} */ (fx.jwk), 'ES256');
  const key = { key: createPublicKey(fx.pem), dsaEncoding: /** @type {const} */ ('ieee-p1363') };
  const options = { issuer: fx.issuer, audience: fx.audience, algorithms: ['ES256'] };
  /** @param {string} token @returns {{ sub?: unknown } | undefined} */
  const bySync = (token) => {
    const [h, p, sig] = token.split('.');
    if (!h || !p || !sig) return undefined;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    if (header.alg !== 'ES256') return undefined;
    if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url')))
      return undefined;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const ok =
      claims.iss === fx.issuer &&
      [claims.aud].flat().includes(fx.audience) &&
      typeof claims.exp === 'number' &&
      claims.exp > Date.now() / 1000;
    return ok ? claims : undefined;
  };
  return createServer(async (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    /** @type {{ sub?: unknown } | undefined} */
    let claims;
    try {
      if (token) {
        claims =
          mode === 'jose' ? (await jwtVerify(token, joseKey, options)).payload : bySync(token);
      }
    } catch {
      claims = undefined;
    }
    if (claims) send(res, 200, { id: claims.sub });
    else send(res, 401, { error: 'invalid_token' });
  });
}

const frameworks = { express, koa, hono, fastify, node };

async function main() {
  /** @type {ServerSpec} */
  const spec = JSON.parse(process.env.BENCH_SERVER ?? '{}');
  /** @type {Fixture} */
  const fx = JSON.parse(process.env.BENCH_FIXTURE ?? '{}');
  const make = frameworks[/** @type {keyof typeof frameworks} */ (spec.framework)];
  if (!make) throw new Error(`unknown framework ${spec.framework}`);
  const server = await make(fx, spec.mode);
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    if (server.listening) resolve(undefined);
    else server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error) => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.send?.({ error: message.split('\n')[0] });
  process.exit(1);
});
