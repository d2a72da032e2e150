import { isAuthError } from '@authcore/core';
import { type ConformanceRequest, sendConformanceRequest } from './conformance.js';
import { type StartServer, tableHarness } from './harness.js';
import type { TestIssuer } from './test-issuer.js';

/**
 * The routes of the second table every adapter runs, on what only an adapter does: hand a refusal
 * to the framework's own error handler, and let the app's own routes under the metadata path be.
 *
 * | route                                        | auth                                  | answer                                   |
 * | -------------------------------------------- | ------------------------------------- | ---------------------------------------- |
 * | `GET /forward`                               | `authenticate(a, standardsRoutes.forward)` | the framework's error handler (default) |
 * | `POST /.well-known/oauth-protected-resource` | none: a route of the app              | 405 `standardsRoutes.passedThrough`      |
 *
 * Mount `resourceMetadata(metadata)` too, and record what reaches the error handler for
 * `diffForwarded`.
 */
export const standardsRoutes = {
  forward: { acr: ['mfa'], errors: 'forward' } as { acr: string[]; errors: 'forward' },
  passedThrough: { passedThrough: true },
} as const;

export interface StandardsCase {
  name: string;
  request: ConformanceRequest;
  /** Status and `WWW-Authenticate` exactly; the body only where given (error pages vary). */
  expect: {
    status: number;
    wwwAuthenticate: string | null;
    headers?: Readonly<Record<string, string>>;
    body?: unknown;
  };
}

const STEP_UP =
  'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required", acr_values="mfa"';

/** The table; its token is minted by `issuer`. */
export async function standardsCases(issuer: TestIssuer): Promise<StandardsCase[]> {
  const now = Math.floor(Date.now() / 1000);
  const pwd = await issuer.issueToken({ sub: 'u', acr: 'pwd', auth_time: now - 60 });
  return [
    {
      name: 'step-up (RFC 9470) forwarded: the default error handler sends its challenge',
      request: { method: 'GET', path: '/forward', headers: [['authorization', `Bearer ${pwd}`]] },
      expect: { status: 401, wwwAuthenticate: STEP_UP, headers: { 'cache-control': 'no-store' } },
    },
    {
      name: 'metadata (RFC 9728): another method on its path reaches the app',
      request: { method: 'POST', path: '/.well-known/oauth-protected-resource' },
      expect: { status: 405, wwwAuthenticate: null, body: standardsRoutes.passedThrough },
    },
    {
      name: 'metadata (RFC 9728): a path for another resource is not answered',
      request: { method: 'GET', path: '/.well-known/oauth-protected-resource/other' },
      expect: { status: 404, wwwAuthenticate: null },
    },
  ];
}

/** The differences between what reached the error handler of `GET /forward` and the `AuthError` due. */
export function diffForwarded(error: unknown): string[] {
  if (!isAuthError(error)) return [`${String(error)} is not an AuthError`];
  const out: string[] = [];
  if (error.code !== 'insufficient_user_authentication') out.push(`code ${error.code}`);
  const headers = JSON.stringify(error.headers);
  const due = JSON.stringify({ 'cache-control': 'no-store', 'www-authenticate': STEP_UP });
  if (headers !== due) out.push(`headers ${headers}, expected ${due}`);
  return out;
}

export interface StandardsHarness {
  readonly issuer: TestIssuer;
  readonly cases: readonly StandardsCase[];
  /** Sends one case to the server; the differences from its expectation (empty: it conforms). */
  check(c: StandardsCase): Promise<string[]>;
  close(): Promise<void>;
}

/** `conformanceHarness` for the `standardsRoutes` table. */
export const standardsHarness = (start: StartServer): Promise<StandardsHarness> =>
  tableHarness(start, standardsCases, async ({ request, expect }, url) => {
    const actual = await sendConformanceRequest(url, request);
    const out: string[] = [];
    if (actual.status !== expect.status) out.push(`status ${actual.status}`);
    if (actual.wwwAuthenticate !== expect.wwwAuthenticate)
      out.push(`WWW-Authenticate ${actual.wwwAuthenticate}`);
    for (const [name, value] of Object.entries(expect.headers ?? {}))
      if (actual.headers[name] !== value) out.push(`${name} ${actual.headers[name]}`);
    if ('body' in expect && JSON.stringify(actual.body) !== JSON.stringify(expect.body))
      out.push(`body ${actual.text}`);
    return out;
  });
