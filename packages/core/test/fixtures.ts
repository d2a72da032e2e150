/**
 * Shared test fixtures: real key pairs, a token signer, request views and a JWKS (or any JSON)
 * server on 127.0.0.1 whose answers can be changed per test and which counts its hits.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Authenticator,
  type AuthFailureReason,
  type AuthResult,
  createAuthenticator,
  type JwtOptions,
  jwt,
  nodeRequestView,
  type RequestView,
} from '@authcore/core';
import {
  CompactSign,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

export const ISSUER = 'https://issuer.example';
export const AUDIENCE = 'https://api.example';
/** A fixed clock (ms) for every test that passes `now`. */
export const NOW = 1_750_000_000_000;
export const NOW_S = NOW / 1000;

export type TestAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface TestKey {
  readonly alg: TestAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use`. */
  readonly jwk: JWK;
  readonly pem: string;
}

export async function makeKey(alg: TestAlg, kid = `${alg.toLowerCase()}-1`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk, pem: await exportSPKI(publicKey) };
}

/** Signs exact payload bytes (for JSON that JSON.stringify cannot produce, such as `1e400`). */
export function signRaw(
  key: TestKey,
  payloadJson: string,
  header: Record<string, unknown> = { alg: key.alg, typ: 'at+jwt', kid: key.kid },
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payloadJson))
    .setProtectedHeader(header as { alg: string })
    .sign(key.privateKey);
}

let keysOnce: Promise<Record<TestAlg, TestKey>> | undefined;
/** One key pair per algorithm, generated once per test file. */
export function testKeys(): Promise<Record<TestAlg, TestKey>> {
  keysOnce ??= (async () => {
    const [RS256, PS256, ES256, EdDSA] = await Promise.all([
      makeKey('RS256'),
      makeKey('PS256'),
      makeKey('ES256'),
      makeKey('EdDSA'),
    ]);
    return { RS256, PS256, ES256, EdDSA };
  })();
  return keysOnce;
}

export interface SignOptions {
  /** Header overrides; `undefined` values remove a default (`typ`, `kid`). */
  header?: Record<string, unknown>;
  /** Extension header parameters the signer should accept in `crit`. */
  crit?: Record<string, boolean>;
}

/** Claims of a typical user token at `NOW`, valid for 10 minutes. */
export const userClaims = (extra: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'user-1',
  client_id: 'web-app',
  scope: 'read:items write:items',
  iat: NOW_S,
  exp: NOW_S + 600,
  ...extra,
});

/** Signs claims as a JWS with `typ: at+jwt` and the key's `kid` unless overridden. */
export async function sign(
  key: TestKey,
  claims: JWTPayload = userClaims(),
  options: SignOptions = {},
): Promise<string> {
  const header: Record<string, unknown> = { alg: key.alg, typ: 'at+jwt', kid: key.kid };
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (value === undefined) delete header[name];
    else header[name] = value;
  }
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(key.privateKey, options.crit ? { crit: options.crit } : undefined);
}

/** A request view over Node-style raw headers. */
export function nodeView(rawHeaders: string[], url = '/resource'): RequestView {
  return nodeRequestView({ method: 'GET', url, rawHeaders, socket: { encrypted: true } });
}

/** A request carrying `Authorization: Bearer <token>`. */
export const bearer = (token: string): RequestView =>
  nodeView(['Host', 'api.example', 'Authorization', `Bearer ${token}`]);

/** Any subset of the options, key sources included, in any combination (misconfiguration tests). */
export type JwtOverrides = Partial<
  Omit<JwtOptions, 'keys' | 'jwksUri' | 'discovery' | 'secret'> & {
    keys: NonNullable<JwtOptions['keys']>;
    jwksUri: string;
    discovery: boolean;
    secret: string | Uint8Array;
  }
>;

export const jwtOptions = (overrides: JwtOverrides = {}): JwtOptions =>
  ({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    now: () => NOW,
    ...overrides,
  }) as JwtOptions;

/** An authenticator over one `jwt()` scheme with the test defaults. */
export function jwtAuthenticator(overrides: JwtOverrides = {}) {
  return createAuthenticator({ schemes: [jwt(jwtOptions(overrides))] });
}

/** The exact response of an invalid token, as every failure must look from outside. */
export const INVALID_TOKEN = {
  status: 401,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  body: '{"error":"invalid_token","error_description":"The access token is invalid"}',
};

export const INVALID_REQUEST = {
  status: 400,
  wwwAuthenticate:
    'Bearer realm="api", error="invalid_request", error_description="The request is malformed"',
  body: '{"error":"invalid_request","error_description":"The request is malformed"}',
};

export const TEMPORARILY_UNAVAILABLE = {
  status: 503,
  code: 'temporarily_unavailable',
  wwwAuthenticate:
    'Bearer realm="api", error="temporarily_unavailable", error_description="Authentication is temporarily unavailable"',
  body: '{"error":"temporarily_unavailable","error_description":"Authentication is temporarily unavailable"}',
};

/**
 * Status, code, WWW-Authenticate and body of a failed result, rendered by its authenticator.
 * Every refusal the core makes names its reason: never `unspecified`, and `reason` when given.
 */
export function rendered<P>(
  auth: Authenticator<P>,
  result: AuthResult<P>,
  reason?: AuthFailureReason,
) {
  if (result.ok) throw new Error('expected a failure, got a principal');
  if (result.error.reason === 'unspecified')
    throw new Error(`a refusal without a reason: ${String(result.error.cause)}`);
  if (reason !== undefined && result.error.reason !== reason)
    throw new Error(`expected reason ${reason}, got ${result.error.reason}`);
  const r = auth.render(result.error);
  return {
    status: r.status,
    code: result.error.code,
    wwwAuthenticate: r.headers['www-authenticate'],
    body: r.body,
  };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface JsonServer {
  readonly origin: string;
  /** Hits per path. */
  readonly hits: Map<string, number>;
  hitsOf(path: string): number;
  /** Answer `path` with this JSON (status 200). */
  json(path: string, body: unknown): void;
  /** Answer `path` with a custom handler. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1, port 0. Unknown paths answer 404. */
export async function startJsonServer(): Promise<JsonServer> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    void Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    hitsOf: (path) => hits.get(path) ?? 0,
    json(path, body) {
      const text = JSON.stringify(body);
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      });
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface JwksServer {
  readonly url: string;
  /** Times the JWKS was requested. */
  readonly hits: number;
  keys: JWK[];
  /** Milliseconds before answering. */
  delayMs: number;
  status: number;
  /** Pad the JSON body with whitespace up to this many bytes (0: no padding). */
  padTo: number;
  /** Send the body chunked, without content-length. */
  chunked: boolean;
  close(): Promise<void>;
}

/** A JWKS endpoint whose keys, delay, status and body size tests change as they go. */
export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const server = await startJsonServer();
  const jwks: JwksServer = {
    url: `${server.origin}/jwks.json`,
    get hits() {
      return server.hitsOf('/jwks.json');
    },
    keys,
    delayMs: 0,
    status: 200,
    padTo: 0,
    chunked: false,
    close: () => server.close(),
  };
  server.route('/jwks.json', async (_req, res) => {
    if (jwks.delayMs > 0) await new Promise((r) => setTimeout(r, jwks.delayMs));
    if (jwks.status !== 200) {
      res.writeHead(jwks.status, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    let body = JSON.stringify({ keys: jwks.keys });
    if (jwks.padTo > body.length) body += ' '.repeat(jwks.padTo - body.length);
    if (jwks.chunked) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < body.length; i += 4096) res.write(body.slice(i, i + 4096));
      res.end();
    } else {
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        })
        .end(body);
    }
  });
  return jwks;
}

/** A mutable clock for `now`. */
export function clock(start = NOW) {
  const c = { t: start, now: () => c.t };
  return c;
}
