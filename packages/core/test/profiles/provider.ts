/**
 * A hosted provider's key (and metadata) endpoints, served on 127.0.0.1 at the provider's own
 * paths: the profile keeps its real https URLs and the test hands `jwt()` a `fetch` that sends
 * requests for the provider's origin (and nothing else) to the local server.
 */
import {
  type AuthFailureReason,
  createAuthenticator,
  type FetchLike,
  type JwtPrincipal,
  type JwtProfile,
  jwt,
  type Requirement,
} from '@authcore/core';
import type { JWK, JWTPayload } from 'jose';
import { SignJWT } from 'jose';
import {
  bearer,
  type JsonServer,
  makeKey,
  NOW,
  rendered,
  startJsonServer,
  type TestKey,
} from '../fixtures.js';

export interface Provider {
  readonly server: JsonServer;
  readonly key: TestKey;
  /** Routes requests for `origin` to the local server; any other origin is an error. */
  readonly fetch: FetchLike;
  /** Every URL the scheme fetched, in order. */
  readonly fetched: string[];
  close(): Promise<void>;
}

/** Starts the local server for `origin`; `routes` maps a path to its JSON. */
export async function startProvider(
  origin: string,
  kid: string,
  routes: (jwks: { keys: JWK[] }) => Record<string, unknown>,
  jwkShape: (jwk: JWK) => JWK = (jwk) => jwk,
): Promise<Provider> {
  const key = await makeKey('RS256', kid);
  const server = await startJsonServer();
  for (const [path, body] of Object.entries(routes({ keys: [jwkShape(key.jwk)] })))
    server.json(path, body);
  const fetched: string[] = [];
  const local: FetchLike = (input, init) => {
    const url = new URL(input);
    fetched.push(url.href);
    if (url.origin !== origin) return Promise.reject(new Error(`unexpected fetch of ${url.href}`));
    return fetch(`${server.origin}${url.pathname}${url.search}`, init);
  };
  return { server, key, fetch: local, fetched, close: () => server.close() };
}

/** Signs claims with exactly this protected header (the provider's documented one). */
export const mint = (key: TestKey, header: Record<string, unknown>, claims: JWTPayload) =>
  new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);

/** An authenticator over the profile, the local fetch and the fixed test clock. */
export function profileAuthenticator(profile: JwtProfile, provider: Provider) {
  return createAuthenticator({
    schemes: [jwt({ ...profile, fetch: provider.fetch, now: () => NOW })],
  });
}

type Auth = ReturnType<typeof profileAuthenticator>;

export async function accepted(
  auth: Auth,
  token: string,
  options?: { require?: Requirement<JwtPrincipal> },
): Promise<JwtPrincipal> {
  const result = await auth.authenticate(bearer(token), options);
  if (!result.ok) throw new Error(`expected a principal: ${String(result.error.cause)}`);
  return result.principal;
}

/** The rendered refusal and its internal reason. */
export async function refused(
  auth: Auth,
  token: string,
  options: { require?: Requirement<JwtPrincipal>; reason?: AuthFailureReason } = {},
) {
  const { reason: expected, ...authenticate } = options;
  const result = await auth.authenticate(bearer(token), authenticate);
  const reason = result.ok
    ? undefined
    : (result.error.cause as { message?: string; claim?: string });
  return { ...rendered(auth, result, expected), reason };
}

export const insufficientScope = (scope: string) => ({
  status: 403,
  code: 'insufficient_scope',
  wwwAuthenticate: `Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="${scope}"`,
  body: '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
});

export { INVALID_TOKEN, NOW, NOW_S } from '../fixtures.js';
