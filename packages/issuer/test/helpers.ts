import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuthResult,
  createAuthenticator,
  fetchRequestView,
  type InferPrincipal,
  jwt,
} from '@authcore/core';
import { createIssuer, type Issuer, type IssuerOptions, toNodeListener } from '@authcore/issuer';

export const AUDIENCE = 'https://api.example.test';
export const REDIRECT = 'http://127.0.0.1/cb';
export const VERIFIER = 'dBjftJeZ4CVP-mJ92K9hKhYOPNbRlnlIGcTEK8xbQ0_x'.padEnd(43, 'x');
// base64url(SHA-256(VERIFIER)), computed in `challengeOf`.
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return Buffer.from(digest).toString('base64url');
}

export const CLIENTS: IssuerOptions['clients'] = [
  {
    clientId: 'service',
    clientSecret: 'service-secret-0123456789abcdef',
    scopes: ['read', 'write'],
    audience: [AUDIENCE, 'https://other.example.test'],
  },
  {
    clientId: 'webapp',
    clientSecret: 'webapp-secret-0123456789abcdef',
    redirectUris: [REDIRECT, 'http://127.0.0.1/other'],
    scopes: ['read', 'write', 'admin'],
    audience: AUDIENCE,
  },
  {
    clientId: 'spa',
    redirectUris: [REDIRECT],
    scopes: ['read'],
    audience: AUDIENCE,
  },
  {
    clientId: 'code-only',
    clientSecret: 'code-only-secret-0123456789abcdef',
    redirectUris: [REDIRECT],
    scopes: ['read'],
    audience: AUDIENCE,
    grantTypes: ['authorization_code'],
  },
  {
    clientId: 'cc-only',
    clientSecret: 'cc-only-secret-0123456789abcdef',
    redirectUris: [REDIRECT],
    scopes: ['read'],
    audience: AUDIENCE,
    grantTypes: ['client_credentials'],
  },
];

export interface Served {
  issuer: Issuer;
  url: string;
  clock: { t: number };
  close(): Promise<void>;
}

/** The issuer on a real node:http server on 127.0.0.1, through the package's own bridge. */
export async function serve(overrides: Partial<IssuerOptions> = {}): Promise<Served> {
  const clock = { t: Date.UTC(2030, 0, 1) };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = createIssuer({
    issuer: url,
    clients: CLIENTS,
    now: () => clock.t,
    authorize: async (request, context) => {
      const user = request.headers.get('x-test-user');
      if (user === null)
        return new Response('<h1>log in</h1>', { headers: { 'content-type': 'text/html' } });
      if (user === 'deny') return { error: 'access_denied', errorDescription: 'the user said no' };
      return { userId: user, scopes: context.scopes, claims: { acr: 'pwd' } };
    },
    ...overrides,
  });
  server.on('request', toNodeListener(issuer));
  return {
    issuer,
    url,
    clock,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function post(
  url: string,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
  text: string;
}> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    text,
  };
}

export const SERVICE = basic('service', 'service-secret-0123456789abcdef');
export const WEBAPP = basic('webapp', 'webapp-secret-0123456789abcdef');

/** Verifies a token with @authcore/core against the served JWKS, at the served clock. */
export async function verify(
  served: Served,
  token: string,
  audience = AUDIENCE,
  at?: number,
): Promise<AuthResult<InferPrincipal<ReturnType<typeof authenticator>>>> {
  return authenticator(served, audience, at).authenticate(
    fetchRequestView(
      new Request('http://api.test/', { headers: { authorization: `Bearer ${token}` } }),
    ),
  );
}

/** `at` pins the verifier's clock (for `exp`); the JWKS is whatever the issuer serves now. */
export function authenticator(served: Served, audience = AUDIENCE, at?: number) {
  return createAuthenticator({
    schemes: [
      jwt({
        issuer: served.url,
        audience,
        algorithms: ['ES256'],
        jwksUri: `${served.url}/jwks`,
        now: () => at ?? served.clock.t,
        cache: false,
      }),
    ],
  });
}

/** Runs /authorize as user `user` and returns the code from the redirect. */
export async function authorizeCode(
  served: Served,
  params: Record<string, string>,
  user = 'alice',
): Promise<{ status: number; location: URL | undefined; response: Response }> {
  const url = new URL(`${served.url}/authorize`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const response = await fetch(url, { redirect: 'manual', headers: { 'x-test-user': user } });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location) : undefined, response };
}

export async function codeFor(
  served: Served,
  clientId: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const { location } = await authorizeCode(served, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: await challengeOf(VERIFIER),
    code_challenge_method: 'S256',
    state: 'xyz',
    ...extra,
  });
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location?.href}`);
  return code;
}
