import { request as httpRequest } from 'node:http';
import {
  type AnyPrincipal,
  type AuthError,
  type Authenticator,
  type AuthFailureReason,
  apiKey,
  createAuthenticator,
  jwt,
  principalToJSON,
  type ResourceMetadataOptions,
} from '@authcore/core';
import type { JWTPayload } from 'jose';
import type { TestIssuer } from './test-issuer.js';

/**
 * The contract every adapter's conformance app implements (the same as the runnable examples):
 *
 * | route                                          | auth                     | answer                           |
 * | ---------------------------------------------- | ------------------------ | -------------------------------- |
 * | `GET /health`                                  | none                     | 200 `{ "status": "ok" }`         |
 * | `GET /v1/me`                                   | required                 | 200 `principalToJSON(principal)` |
 * | `GET /v1/orders`                               | required, `orders:read`  | 200 `{ "orders": [] }`           |
 * | `POST /v1/orders`                              | required, `orders:write` | 201 `{ "created": true }`        |
 * | `GET /v1/optional`                             | optional                 | 200 `optionalBody(principal)`    |
 * | `GET /v1/step-up`                              | required, `acr: ['mfa']` | 200 `{ "stepUp": true }`         |
 * | `GET /v1/recent`                               | required, `acr: ['mfa']`, `maxAge: 300` | 200 `{ "recent": true }` |
 * | `GET\|HEAD /.well-known/oauth-protected-resource` | none                  | 200 the RFC 9728 document        |
 * | `GET /.well-known/oauth-protected-resource/v1` | none                     | 200 the same document            |
 *
 * The metadata document is the one for `conformanceResourceMetadata`, served with the adapter's
 * `resourceMetadata(conformanceResourceMetadata)` (on bare `node:http`, with core's
 * `resourceMetadataHandler(conformanceResourceMetadata)`).
 */
export const conformanceRoutes = {
  health: { status: 'ok' },
  orders: { orders: [] as string[] },
  created: { created: true },
  stepUp: { stepUp: true },
  recent: { recent: true },
} as const;

/** The RFC 9728 metadata options every conformance app serves (see the route table above). */
export const conformanceResourceMetadata: ResourceMetadataOptions = {
  resource: 'https://api.test/v1',
  authorizationServers: ['https://issuer.test'],
  scopesSupported: ['orders:read'],
};

export const optionalBody = (principal: AnyPrincipal | undefined) =>
  principal
    ? { authenticated: true, principal: principalToJSON(principal) }
    : { authenticated: false };

/**
 * The public origin of every conformance app, as a proxy in front of it would publish it: DPoP
 * proofs name it in `htu`, whatever address the test server really listens on.
 */
export const conformanceOrigin = 'https://api.test';

/** The conformance authenticator, which also tells which refusals it rendered. */
export interface ConformanceAuthenticator extends Authenticator<AnyPrincipal> {
  /**
   * The `reason` of every refusal rendered since the last call, oldest first, and forgets them.
   * The reason never reaches the client, so this is how a test over HTTP sees it: every refusal
   * an adapter answers (`authenticate` and the scope guards alike) goes through `render`.
   */
  takeReasons(): AuthFailureReason[];
}

/**
 * The authenticator every conformance app uses: JWTs from the test issuer (DPoP pinned to
 * `conformanceOrigin`), its API keys, and query tokens and an `access_token` cookie turned on so
 * that "header plus query" and "two cookies" are real second credentials.
 */
export function conformanceAuthenticator(issuer: TestIssuer): ConformanceAuthenticator {
  const authenticator = createAuthenticator({
    schemes: [
      jwt({ ...issuer.jwtOptions(), dpop: { origins: [conformanceOrigin] } }),
      apiKey({ store: issuer.apiKeyStore }),
    ],
    sources: { query: 'access_token', cookie: 'access_token' },
  });
  return recordingReasons(authenticator);
}

/**
 * `authenticator` with a `render` that notes each refusal's reason. Every own property is kept,
 * symbols included (the adapters' promise-free entry point), so adapters run it as they would
 * the original.
 */
export function recordingReasons(
  authenticator: Authenticator<AnyPrincipal>,
): ConformanceAuthenticator {
  let reasons: AuthFailureReason[] = [];
  const render = authenticator.render;
  const recording = Object.defineProperties(
    {},
    Object.getOwnPropertyDescriptors(authenticator),
  ) as ConformanceAuthenticator;
  recording.render = (error: AuthError) => {
    if (reasons.length < 100) reasons.push(error.reason);
    return render(error);
  };
  recording.takeReasons = () => {
    const taken = reasons;
    reasons = [];
    return taken;
  };
  return recording;
}

export interface ConformanceRequest {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  /** Header lines in order; a name may repeat (two `Authorization` lines). */
  headers?: ReadonlyArray<readonly [string, string]>;
  /**
   * Builds a `DPoP` proof header for the URL requested as clients see it (`conformanceOrigin` and
   * the path, no query) and the method; `server` is the base URL the test server listens on.
   */
  proof?: (url: string, method: string, server: string) => Promise<string>;
}

export interface ConformanceExpectation {
  status: number;
  /** Exact `WWW-Authenticate`, or `null` for none. */
  wwwAuthenticate: string | null;
  /** Exact body, parsed from JSON (`null` for none). */
  body: unknown;
  /** Other response headers that must have exactly these values (lower-case names). */
  headers?: Readonly<Record<string, string>>;
  /**
   * Why the server refused (every refusal row names one; never rendered): the one reason the
   * authenticator rendered for the request (see `ConformanceAuthenticator.takeReasons`).
   */
  reason?: AuthFailureReason;
}

export interface ConformanceCase {
  name: string;
  request: ConformanceRequest;
  expect: ConformanceExpectation;
}

export interface ConformanceResponse {
  status: number;
  wwwAuthenticate: string | null;
  contentType: string | null;
  /** Every response header, lower-case names, repeated values joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The raw body text. */
  text: string;
  body: unknown;
}

/** Sends one case with `node:http`, so repeated header lines really go out as separate lines. */
export async function sendConformanceRequest(
  baseUrl: string,
  req: ConformanceRequest,
): Promise<ConformanceResponse> {
  const url = new URL(req.path, baseUrl);
  const grouped = new Map<string, string[]>();
  const lines = [...(req.headers ?? [])];
  if (req.proof) {
    const htu = `${conformanceOrigin}${url.pathname}`;
    lines.push(['dpop', await req.proof(htu, req.method, baseUrl)]);
  }
  for (const [name, value] of lines) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return new Promise((resolve, reject) => {
    const r = httpRequest(url, { method: req.method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text === '' ? null : JSON.parse(text);
        } catch {}
        const www = res.headers['www-authenticate'];
        resolve({
          status: res.statusCode ?? 0,
          wwwAuthenticate: www === undefined ? null : String(www),
          contentType: res.headers['content-type'] ?? null,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [
              k,
              Array.isArray(v) ? v.join(', ') : String(v),
            ]),
          ),
          text,
          body,
        });
      });
    });
    r.on('error', reject);
    for (const [name, values] of grouped)
      r.setHeader(name, values.length === 1 ? values[0]! : values);
    if (req.method === 'POST') r.setHeader('content-length', '0');
    r.end();
  });
}

const REALM = 'realm="api"';
const DPOP_ALGS = 'ES256 EdDSA Ed25519 RS256 PS256';
const bearer = (code: string, description: string, extra = '') =>
  `Bearer ${REALM}, error="${code}", error_description="${description}"${extra}`;
const INVALID_TOKEN = 'The access token is invalid';
const INVALID_REQUEST = 'The request is malformed';
const INSUFFICIENT = 'The access token does not have the required scope';
const INVALID_KEY = 'The API key is invalid';
const KEY_INSUFFICIENT = 'The API key does not have the required scope';
const errorBody = (error: string, description: string) => ({
  error,
  error_description: description,
});
const auth = (value: string) => ['authorization', value] as const;
const because = (
  expectation: ConformanceExpectation,
  reason: AuthFailureReason,
): ConformanceExpectation => ({ ...expectation, reason });
// Written out rather than computed by the core, so the table checks what the core produces.
const metadataDocument = {
  resource: 'https://api.test/v1',
  authorization_servers: ['https://issuer.test'],
  scopes_supported: ['orders:read'],
  bearer_methods_supported: ['header'],
};

/**
 * The table of cases every adapter must answer identically. It mints its tokens and API keys
 * from the test issuer, so call it once per issuer.
 */
export async function conformanceCases(issuer: TestIssuer): Promise<ConformanceCase[]> {
  const valid = await issuer.issueToken({ sub: 'user-1', scope: 'orders:read profile' });
  const writer = await issuer.issueToken({ sub: 'user-2', scope: 'orders:read orders:write' });
  const service = await issuer.issueToken({
    sub: 'client-a',
    client_id: 'client-a',
    scope: 'orders:read',
  });
  const expired = await issuer.issueToken({ scope: 'orders:read' }, { expiresIn: -3600 });
  const wrongAudience = await issuer.issueToken({ aud: 'https://other.test' });
  const wrongIssuer = await issuer.issueToken({ iss: 'https://evil.test' });
  const badSignature = await issuer.issueToken({}, { foreignKey: true });
  const [h, p] = valid.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
  const now = Math.floor(Date.now() / 1000);
  const proto = await issuer.signRaw(
    `{"iss":"${issuer.issuer}","aud":"${issuer.audience}","sub":"user-3","iat":${now},"exp":${now + 600},` +
      `"__proto__":{"scope":"orders:read orders:write"},"constructor":{"prototype":{"scope":"orders:read"}}}`,
  );
  const key = await issuer.createApiKey({ scopes: ['orders:read'], owner: 'acme' });
  const holder = await issuer.createDpopKey();
  const stranger = await issuer.createDpopKey();
  const boundToken = await issuer.issueToken({
    sub: 'user-4',
    scope: 'orders:read',
    cnf: { jkt: holder.jkt },
  });
  const boundReader = await issuer.issueToken({
    sub: 'user-4',
    scope: 'profile',
    cnf: { jkt: holder.jkt },
  });
  const authTime = Math.floor(Date.now() / 1000) - 60;
  const withMfa = await issuer.issueToken({ sub: 'user-5', acr: 'mfa', auth_time: authTime });
  const withPwd = await issuer.issueToken({ sub: 'user-5', acr: 'pwd', auth_time: authTime });
  const staleMfa = await issuer.issueToken({
    sub: 'user-5',
    acr: 'mfa',
    auth_time: authTime - 3600,
  });
  const wrongKey = `${key.slice(0, -10)}${key.slice(-10).split('').reverse().join('')}`;
  const keyRecord = issuer.apiKeys.get(key)!;

  // The replay case sends a proof that was already used once on the same server (one per server:
  // a table may be run against several, and their replay stores are their own).
  const used = new Map<string, Promise<string>>();
  const replayOnce = (u: string, m: string, server: string) => {
    let proof = used.get(server);
    if (proof === undefined) {
      proof = (async () => {
        const p = await holder.proof(boundToken, { htu: u, htm: m, jti: 'conformance-replay' });
        await sendConformanceRequest(server, {
          method: 'GET',
          path: new URL(u).pathname,
          headers: [auth(`DPoP ${boundToken}`)],
          proof: async () => p,
        });
        return p;
      })();
      used.set(server, proof);
    }
    return proof;
  };
  const dpopProofError = {
    status: 401,
    wwwAuthenticate: `DPoP ${REALM}, error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="${DPOP_ALGS}"`,
    body: errorBody('invalid_dpop_proof', 'The DPoP proof is invalid'),
  };
  const me = (token: string) => ({
    method: 'GET' as const,
    path: '/v1/me',
    headers: [auth(`Bearer ${token}`)],
  });
  const invalidToken = {
    status: 401,
    wwwAuthenticate: bearer('invalid_token', INVALID_TOKEN),
    body: errorBody('invalid_token', INVALID_TOKEN),
  };
  const invalidRequest = {
    status: 400,
    wwwAuthenticate: bearer('invalid_request', INVALID_REQUEST),
    body: errorBody('invalid_request', INVALID_REQUEST),
  };
  const required = {
    status: 401,
    wwwAuthenticate: `Bearer ${REALM}, DPoP ${REALM}, ApiKey ${REALM}`,
    body: errorBody('credentials_required', 'Authentication required'),
  };
  const stepUpRequired = {
    status: 401,
    wwwAuthenticate: bearer(
      'insufficient_user_authentication',
      'Stronger user authentication is required',
      ', acr_values="mfa"',
    ),
    body: errorBody('insufficient_user_authentication', 'Stronger user authentication is required'),
  };
  const stepUp = (token: string) => ({
    method: 'GET' as const,
    path: '/v1/step-up',
    headers: [auth(`Bearer ${token}`)],
  });
  const user = (id: string, scopes: string[]) => ({
    kind: 'user',
    id,
    scheme: 'jwt',
    scopes,
    clientId: null,
    issuer: issuer.issuer,
    audience: [issuer.audience],
    expiresAt: expect_any,
  });

  return [
    {
      name: 'public route needs nothing',
      request: { method: 'GET', path: '/health' },
      expect: { status: 200, wwwAuthenticate: null, body: conformanceRoutes.health },
    },
    {
      name: 'valid JWT',
      request: me(valid),
      expect: {
        status: 200,
        wwwAuthenticate: null,
        body: user('user-1', ['orders:read', 'profile']),
      },
    },
    {
      name: 'client-credentials JWT is a service',
      request: me(service),
      expect: {
        status: 200,
        wwwAuthenticate: null,
        body: { ...user('client-a', ['orders:read']), kind: 'service', clientId: 'client-a' },
      },
    },
    { name: 'expired JWT', request: me(expired), expect: because(invalidToken, 'token_expired') },
    {
      name: 'wrong audience',
      request: me(wrongAudience),
      expect: because(invalidToken, 'audience_mismatch'),
    },
    {
      name: 'wrong issuer',
      request: me(wrongIssuer),
      expect: because(invalidToken, 'issuer_mismatch'),
    },
    {
      name: 'bad signature',
      request: me(badSignature),
      expect: because(invalidToken, 'signature_invalid'),
    },
    // An unsecured JWT has an empty signature, refused for its form before its alg is read.
    { name: 'alg none', request: me(none), expect: because(invalidToken, 'token_not_canonical') },
    {
      name: 'alg none with a signature',
      request: me(`${none}${valid.split('.')[2]}`),
      expect: because(invalidToken, 'alg_not_allowed'),
    },
    {
      name: 'tampered header',
      request: me(`${h}x.${p}.${valid.split('.')[2]}`),
      expect: because(invalidToken, 'token_not_canonical'),
    },
    {
      name: 'no credential',
      request: { method: 'GET', path: '/v1/me' },
      expect: because(required, 'credentials_missing'),
    },
    {
      name: 'Basic credential counts as none',
      request: { method: 'GET', path: '/v1/me', headers: [auth('Basic dXNlcjpwYXNz')] },
      expect: because(required, 'credentials_missing'),
    },
    {
      name: 'malformed Bearer',
      request: { method: 'GET', path: '/v1/me', headers: [auth('Bearer a b')] },
      expect: because(invalidRequest, 'malformed_credentials'),
    },
    {
      name: 'two Authorization headers',
      request: {
        method: 'GET',
        path: '/v1/me',
        headers: [auth(`Bearer ${valid}`), auth(`Bearer ${writer}`)],
      },
      expect: because(invalidRequest, 'multiple_credentials'),
    },
    {
      name: 'header plus query token',
      request: {
        method: 'GET',
        path: `/v1/me?access_token=${valid}`,
        headers: [auth(`Bearer ${valid}`)],
      },
      expect: because(invalidRequest, 'multiple_credentials'),
    },
    {
      name: 'valid API key',
      request: { method: 'GET', path: '/v1/me', headers: [['x-api-key', key]] },
      expect: {
        status: 200,
        wwwAuthenticate: null,
        body: {
          kind: 'application',
          id: keyRecord.id,
          scheme: 'apiKey',
          scopes: ['orders:read'],
          clientId: null,
          issuer: null,
          audience: [],
          expiresAt: null,
        },
      },
    },
    {
      name: 'wrong API key',
      request: { method: 'GET', path: '/v1/me', headers: [['x-api-key', wrongKey]] },
      expect: {
        status: 401,
        wwwAuthenticate: `ApiKey ${REALM}, error="invalid_token", error_description="${INVALID_KEY}"`,
        body: errorBody('invalid_token', INVALID_KEY),
        reason: 'api_key_checksum' as const,
      },
    },
    {
      name: 'JWT and API key together',
      request: {
        method: 'GET',
        path: '/v1/me',
        headers: [auth(`Bearer ${valid}`), ['x-api-key', key]],
      },
      expect: because(invalidRequest, 'multiple_credentials'),
    },
    {
      name: 'scope present',
      request: { method: 'GET', path: '/v1/orders', headers: [auth(`Bearer ${valid}`)] },
      expect: { status: 200, wwwAuthenticate: null, body: conformanceRoutes.orders },
    },
    {
      name: 'missing scope',
      request: { method: 'POST', path: '/v1/orders', headers: [auth(`Bearer ${valid}`)] },
      expect: {
        status: 403,
        wwwAuthenticate: bearer('insufficient_scope', INSUFFICIENT, ', scope="orders:write"'),
        body: errorBody('insufficient_scope', INSUFFICIENT),
        reason: 'scope_missing' as const,
      },
    },
    {
      name: 'write scope creates',
      request: { method: 'POST', path: '/v1/orders', headers: [auth(`Bearer ${writer}`)] },
      expect: { status: 201, wwwAuthenticate: null, body: conformanceRoutes.created },
    },
    {
      name: 'API key scope',
      request: { method: 'GET', path: '/v1/orders', headers: [['x-api-key', key]] },
      expect: { status: 200, wwwAuthenticate: null, body: conformanceRoutes.orders },
    },
    {
      name: 'API key missing scope',
      request: { method: 'POST', path: '/v1/orders', headers: [['x-api-key', key]] },
      expect: {
        status: 403,
        wwwAuthenticate: `ApiKey ${REALM}, error="insufficient_scope", error_description="${KEY_INSUFFICIENT}", scope="orders:write"`,
        body: errorBody('insufficient_scope', KEY_INSUFFICIENT),
        reason: 'scope_missing' as const,
      },
    },
    {
      name: 'DPoP-bound token with a valid proof',
      request: {
        method: 'GET',
        path: '/v1/orders',
        headers: [auth(`DPoP ${boundToken}`)],
        proof: (u, m) => holder.proof(boundToken, { htu: u, htm: m }),
      },
      expect: { status: 200, wwwAuthenticate: null, body: conformanceRoutes.orders },
    },
    {
      name: 'DPoP-bound token sent as Bearer',
      request: { method: 'GET', path: '/v1/orders', headers: [auth(`Bearer ${boundToken}`)] },
      expect: because(invalidToken, 'token_sender_constrained'),
    },
    {
      name: 'DPoP proof for another URL',
      request: {
        method: 'GET',
        path: '/v1/orders',
        headers: [auth(`DPoP ${boundToken}`)],
        proof: (u, m) => holder.proof(boundToken, { htu: `${u}/other`, htm: m }),
      },
      expect: because(dpopProofError, 'dpop_htu_mismatch'),
    },
    ...(
      [
        [
          'DPoP proof with another method',
          (u: string) => ({ htu: u, htm: 'DELETE' }),
          'dpop_htm_mismatch',
        ],
        [
          'DPoP proof too old',
          (u: string, m: string) => ({ htu: u, htm: m, iat: now - 3600 }),
          'dpop_iat_invalid',
        ],
        [
          'DPoP proof without ath',
          (u: string, m: string) => ({ htu: u, htm: m, ath: null }),
          'dpop_ath_mismatch',
        ],
        [
          'DPoP proof for another token',
          (u: string, m: string) => ({ htu: u, htm: m, ath: 'AAAA' }),
          'dpop_ath_mismatch',
        ],
        [
          'DPoP proof carrying its private key',
          (u: string, m: string) => ({ htu: u, htm: m, embedPrivateKey: true }),
          'dpop_key_rejected',
        ],
      ] as const
    ).map(([name, options, reason]) => ({
      name,
      request: {
        method: 'GET' as const,
        path: '/v1/orders',
        headers: [auth(`DPoP ${boundToken}`)],
        proof: (u: string, m: string) => holder.proof(boundToken, options(u, m)),
      },
      expect: because(dpopProofError, reason),
    })),
    {
      name: 'DPoP proof by a key other than cnf.jkt',
      request: {
        method: 'GET',
        path: '/v1/orders',
        headers: [auth(`DPoP ${boundToken}`)],
        proof: (u, m) => stranger.proof(boundToken, { htu: u, htm: m }),
      },
      expect: {
        status: 401,
        wwwAuthenticate: `DPoP ${REALM}, error="invalid_token", error_description="${INVALID_TOKEN}", algs="${DPOP_ALGS}"`,
        body: errorBody('invalid_token', INVALID_TOKEN),
        reason: 'dpop_jkt_mismatch' as const,
      },
    },
    {
      name: 'DPoP proof replayed',
      request: {
        method: 'GET',
        path: '/v1/orders',
        headers: [auth(`DPoP ${boundToken}`)],
        proof: async (u, m, server) => replayOnce(u, m, server),
      },
      expect: because(dpopProofError, 'dpop_replay'),
    },
    // Security review (DPoP origin, scope challenge, several methods): one block.
    {
      name: 'DPoP proof for another origin, named in Host',
      request: {
        method: 'GET',
        path: '/v1/orders',
        headers: [auth(`DPoP ${boundToken}`), ['host', 'other-api.example']],
        proof: (u, m) =>
          holder.proof(boundToken, {
            htu: u.replace(conformanceOrigin, 'http://other-api.example'),
            htm: m,
          }),
      },
      expect: because(dpopProofError, 'dpop_htu_mismatch'),
    },
    ...(
      [
        ['DPoP token missing orders:write (POST)', 'POST', boundToken, 'orders:write'],
        ['DPoP token missing orders:read (GET)', 'GET', boundReader, 'orders:read'],
      ] as const
    ).map(([name, method, token, scope]) => ({
      name,
      request: {
        method,
        path: '/v1/orders',
        headers: [auth(`DPoP ${token}`)],
        proof: (u: string, m: string) => holder.proof(token, { htu: u, htm: m }),
      },
      expect: {
        status: 403,
        wwwAuthenticate: `DPoP ${REALM}, error="insufficient_scope", error_description="${INSUFFICIENT}", scope="${scope}", algs="${DPOP_ALGS}"`,
        body: errorBody('insufficient_scope', INSUFFICIENT),
        reason: 'scope_missing' as const,
      },
    })),
    {
      name: 'two access_token cookies',
      request: {
        method: 'GET',
        path: '/v1/me',
        headers: [['cookie', `access_token=${valid}; access_token=${writer}`]],
      },
      expect: because(invalidRequest, 'multiple_credentials'),
    },
    {
      name: 'header token plus access_token cookie',
      request: {
        method: 'GET',
        path: '/v1/me',
        headers: [auth(`Bearer ${valid}`), ['cookie', `theme=dark; access_token=${valid}`]],
      },
      expect: because(invalidRequest, 'multiple_credentials'),
    },
    {
      name: 'one access_token cookie',
      request: {
        method: 'GET',
        path: '/v1/me',
        headers: [['cookie', `theme=dark; access_token=${valid}`]],
      },
      expect: {
        status: 200,
        wwwAuthenticate: null,
        body: user('user-1', ['orders:read', 'profile']),
      },
    },
    {
      name: 'optional route, anonymous',
      request: { method: 'GET', path: '/v1/optional' },
      expect: { status: 200, wwwAuthenticate: null, body: { authenticated: false } },
    },
    {
      name: 'optional route, authenticated',
      request: { method: 'GET', path: '/v1/optional', headers: [auth(`Bearer ${valid}`)] },
      expect: {
        status: 200,
        wwwAuthenticate: null,
        body: { authenticated: true, principal: user('user-1', ['orders:read', 'profile']) },
      },
    },
    {
      name: 'optional route, bad credential still fails',
      request: { method: 'GET', path: '/v1/optional', headers: [auth(`Bearer ${expired}`)] },
      expect: because(invalidToken, 'token_expired'),
    },
    {
      name: 'step-up: acr mfa is accepted',
      request: stepUp(withMfa),
      expect: { status: 200, wwwAuthenticate: null, body: conformanceRoutes.stepUp },
    },
    {
      name: 'step-up: acr pwd asks for mfa',
      request: stepUp(withPwd),
      expect: because(stepUpRequired, 'acr_mismatch'),
    },
    {
      name: 'step-up: no acr asks for mfa',
      request: stepUp(valid),
      expect: because(stepUpRequired, 'acr_mismatch'),
    },
    {
      name: 'step-up: a recent mfa authentication is accepted',
      request: { ...stepUp(withMfa), path: '/v1/recent' },
      expect: { status: 200, wwwAuthenticate: null, body: conformanceRoutes.recent },
    },
    {
      name: 'step-up: an mfa authentication over max_age is too old',
      request: { ...stepUp(staleMfa), path: '/v1/recent' },
      expect: {
        ...stepUpRequired,
        wwwAuthenticate: bearer(
          'insufficient_user_authentication',
          'Stronger user authentication is required',
          ', max_age="300"',
        ),
        reason: 'auth_too_old' as const,
      },
    },
    {
      name: 'resource metadata answers HEAD with its headers and no body',
      request: { method: 'HEAD', path: '/.well-known/oauth-protected-resource' },
      expect: {
        status: 200,
        wwwAuthenticate: null,
        body: null,
        headers: { 'content-type': 'application/json', 'cache-control': 'max-age=3600' },
      },
    },
    ...['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/v1'].map(
      (path) => ({
        name: `resource metadata at ${path}`,
        request: { method: 'GET' as const, path },
        expect: { status: 200, wwwAuthenticate: null, body: metadataDocument },
      }),
    ),
    {
      name: 'prototype keys in the payload grant nothing',
      request: { method: 'GET', path: '/v1/orders', headers: [auth(`Bearer ${proto}`)] },
      expect: {
        status: 403,
        wwwAuthenticate: bearer('insufficient_scope', INSUFFICIENT, ', scope="orders:read"'),
        body: errorBody('insufficient_scope', INSUFFICIENT),
        reason: 'scope_missing' as const,
      },
    },
    ...(await claimCases(issuer)),
  ];
}

/** Tokens the trusted issuer signed whose claims or spelling are refused anyway. */
async function claimCases(issuer: TestIssuer): Promise<ConformanceCase[]> {
  const invalidToken = {
    status: 401,
    wwwAuthenticate: bearer('invalid_token', INVALID_TOKEN),
    body: errorBody('invalid_token', INVALID_TOKEN),
  };
  const get = (path: string, token: string) => ({
    method: 'GET' as const,
    path,
    headers: [auth(`Bearer ${token}`)],
  });
  // The same bytes under another string: the unused low bits of the signature's last character.
  const valid = await issuer.issueToken({ scope: 'orders:read' });
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelled = valid.slice(0, -1) + A[A.indexOf(valid.at(-1)!) ^ 1];
  const now = Math.floor(Date.now() / 1000);
  const futureMfa = await issuer.issueToken({ sub: 'user-5', acr: 'mfa', auth_time: now + 3600 });
  const refused = await Promise.all(
    (
      [
        ['JWT with a numeric sub', { sub: 123, client_id: 'client-a' }, 'claim_invalid'],
        ['JWT with a number in its aud', { aud: [issuer.audience, 5] }, 'claim_invalid'],
        ['JWT with exp 1e300', { exp: 1e300 }, 'claim_invalid'],
      ] as const
    ).map(async ([name, claims, reason]) => ({
      name,
      request: get('/v1/me', await issuer.issueToken(claims as unknown as JWTPayload)),
      expect: because(invalidToken, reason),
    })),
  );
  return [
    ...refused,
    {
      name: 'JWT respelled with non-zero unused base64url bits',
      request: get('/v1/orders', respelled),
      expect: because(invalidToken, 'token_not_canonical'),
    },
    {
      name: 'step-up: an auth_time in the future fails max_age',
      request: get('/v1/recent', futureMfa),
      expect: {
        status: 401,
        wwwAuthenticate: bearer(
          'insufficient_user_authentication',
          'Stronger user authentication is required',
          ', max_age="300"',
        ),
        body: errorBody(
          'insufficient_user_authentication',
          'Stronger user authentication is required',
        ),
        reason: 'auth_too_old' as const,
      },
    },
  ];
}

/** Placeholder for values that vary per run (timestamps): any string matches. */
export const expect_any = '<any string>';

/**
 * Compares a response with a case; returns the differences (empty when it conforms). With
 * `reasons` (`takeReasons()` after the request), a refusal must have rendered exactly the
 * expected reason and a success none.
 */
export function diffConformance(
  expectation: ConformanceExpectation,
  actual: ConformanceResponse,
  reasons?: readonly AuthFailureReason[],
): string[] {
  const out: string[] = [];
  if (reasons !== undefined) {
    const expected = expectation.reason === undefined ? [] : [expectation.reason];
    if (reasons.length !== expected.length || reasons.some((r, i) => r !== expected[i]))
      out.push(`reasons ${JSON.stringify(reasons)}, expected ${JSON.stringify(expected)}`);
  }
  if (actual.status !== expectation.status)
    out.push(`status ${actual.status}, expected ${expectation.status}`);
  if (actual.wwwAuthenticate !== expectation.wwwAuthenticate) {
    out.push(
      `WWW-Authenticate ${JSON.stringify(actual.wwwAuthenticate)}, expected ${JSON.stringify(expectation.wwwAuthenticate)}`,
    );
  }
  if (!matches(expectation.body, actual.body)) {
    out.push(`body ${JSON.stringify(actual.body)}, expected ${JSON.stringify(expectation.body)}`);
  }
  for (const [name, value] of Object.entries(expectation.headers ?? {})) {
    if (actual.headers[name] !== value)
      out.push(
        `${name} ${JSON.stringify(actual.headers[name])}, expected ${JSON.stringify(value)}`,
      );
  }
  if (actual.status >= 400 && !/^application\/(problem\+)?json/.test(actual.contentType ?? '')) {
    out.push(`content-type ${actual.contentType} on an error`);
  }
  return out;
}

function matches(expected: unknown, actual: unknown): boolean {
  if (expected === expect_any) return typeof actual === 'string';
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => matches(e, actual[i]))
    );
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = Object.keys(e);
    return (
      keys.length === Object.keys(a).length &&
      keys.every((k) => Object.hasOwn(a, k) && matches(e[k], a[k]))
    );
  }
  return Object.is(expected, actual);
}
