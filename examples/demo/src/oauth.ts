import { createHash, randomBytes } from 'node:crypto';

/** PKCE (RFC 7636) with S256: a 256-bit verifier and its challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export const randomState = (): string => randomBytes(16).toString('base64url');

/** HTTP Basic for a client (RFC 6749 §2.3.1: form-urlencode the id and secret first). */
export const basicAuth = (clientId: string, clientSecret: string): string =>
  `Basic ${Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
  ).toString('base64')}`;

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

/** POST a form to a token-style endpoint with client authentication; the status and JSON body. */
export async function postForm(
  url: string,
  client: { clientId: string; clientSecret: string },
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: basicAuth(client.clientId, client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body };
}

/** The payload of a JWT, decoded for display only (the API verifies it). */
export function jwtPayload(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

export interface ApiCall {
  method: string;
  path: string;
  needs: string;
  status: number;
  challenge: string | null;
  body: string;
}

/** Calls the API and keeps what the demo shows: status, challenge, body. */
export async function callApi(
  apiUrl: string,
  method: string,
  path: string,
  needs: string,
  headers: Record<string, string>,
): Promise<ApiCall> {
  const response = await fetch(`${apiUrl}${path}`, { method, headers });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text));
  } catch {}
  return {
    method,
    path,
    needs,
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body,
  };
}

/** The routes the demo calls, with what they need. */
export const API_ROUTES = [
  { method: 'GET', path: '/v1/me', needs: 'any valid credential' },
  { method: 'GET', path: '/v1/orders', needs: 'orders:read' },
  { method: 'POST', path: '/v1/orders', needs: 'orders:write' },
  { method: 'GET', path: '/v1/admin', needs: 'orders:admin' },
] as const;
