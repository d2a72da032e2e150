import { AuthError } from './errors.js';
import type { AuthFailureReason } from './reasons.js';
import { type RequestView, targetOf } from './request.js';

/** Where a credential came from, and so which schemes may verify it. */
export type CredentialSlot = 'bearer' | 'dpop' | 'apiKey';

export interface Credential {
  readonly slot: CredentialSlot;
  readonly token: string;
  readonly source: 'authorization' | 'cookie' | 'query' | 'header';
}

/** Which places of a request may carry a credential. Cookie and query are off unless named. */
export interface CredentialSources {
  /** Cookie holding a bearer token, e.g. `access_token`. Off by default. */
  cookie?: string | undefined;
  /** Query parameter holding a bearer token (RFC 6750 §2.3 discourages it). Off by default. */
  query?: string | undefined;
  /** Header holding an API key; set by the API key scheme (default `x-api-key`). */
  apiKeyHeader?: string | undefined;
  /** Accept `Authorization: DPoP …`. */
  dpop?: boolean | undefined;
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/;
// The scheme's casings spelled out rather than `/i`: a case-insensitive regex also folds every
// character of the token class it then scans (hundreds), at twice the cost.
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)$/;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const API_KEY = /^[\x21-\x7e]+$/;

const malformed = (cause: string, reason: AuthFailureReason = 'malformed_credentials') =>
  new AuthError('invalid_request', { cause: new Error(cause), reason });

export type ExtractResult =
  | { ok: true; credential: Credential | undefined }
  | { ok: false; error: AuthError };

/**
 * Finds the one credential a request carries (RFC 6750 §2). Two credentials, two
 * `Authorization` headers or a malformed one are `invalid_request`: never a guess.
 * Other schemes (`Basic …`) count as no credential.
 */
export function extractCredential(request: RequestView, sources: CredentialSources): ExtractResult {
  let found: Credential | undefined;
  let count = 0;

  const authorization = request.headers('authorization');
  if (authorization.length > 1)
    return { ok: false, error: malformed('several Authorization headers', 'multiple_credentials') };
  const header = authorization[0];
  if (header !== undefined && header !== '') {
    // The common case in one pass: `Bearer <b64token>`, any casing of the scheme.
    const bearer = BEARER.exec(header);
    if (bearer) {
      found = { slot: 'bearer', token: bearer[1]!, source: 'authorization' };
      count++;
    } else {
      const match = AUTHORIZATION.exec(header);
      if (!match) return { ok: false, error: malformed('malformed Authorization header') };
      const scheme = match[1]!.toLowerCase();
      const slot =
        scheme === 'bearer' ? 'bearer' : scheme === 'dpop' && sources.dpop ? 'dpop' : undefined;
      if (slot) {
        const token = match[2];
        if (token === undefined || !B64TOKEN.test(token)) {
          return { ok: false, error: malformed(`malformed ${match[1]} credentials`) };
        }
        found = { slot, token, source: 'authorization' };
        count++;
      }
    }
  }

  if (sources.apiKeyHeader) {
    const values = request.headers(sources.apiKeyHeader);
    if (values.length > 1)
      return { ok: false, error: malformed('several API key headers', 'multiple_credentials') };
    const value = values[0];
    if (value !== undefined) {
      if (!API_KEY.test(value)) return { ok: false, error: malformed('malformed API key header') };
      found = { slot: 'apiKey', token: value, source: 'header' };
      count++;
    }
  }

  if (sources.query) {
    const values = queryValues(targetOf(request), sources.query);
    if (values.length > 1)
      return { ok: false, error: malformed('several query tokens', 'multiple_credentials') };
    const value = values[0];
    if (value !== undefined) {
      if (!B64TOKEN.test(value)) return { ok: false, error: malformed('malformed query token') };
      found = { slot: 'bearer', token: value, source: 'query' };
      count++;
    }
  }

  if (sources.cookie) {
    const values = cookieValues(request.headers('cookie'), sources.cookie);
    if (values.length > 1)
      return { ok: false, error: malformed('several token cookies', 'multiple_credentials') };
    const value = values[0];
    if (value !== undefined && value !== '') {
      if (!B64TOKEN.test(value)) return { ok: false, error: malformed('malformed token cookie') };
      found = { slot: 'bearer', token: value, source: 'cookie' };
      count++;
    }
  }

  if (count > 1)
    return { ok: false, error: malformed('more than one credential', 'multiple_credentials') };
  // RFC 6750 §2: a client uses one method. A query `access_token` beside another credential is
  // two, even with the query source off (it is never read then, but the client is confused or
  // probing). Looked for only once a credential was found, and only parsed when the name is there.
  if (count === 1 && sources.query !== 'access_token' && hasQueryToken(targetOf(request))) {
    return {
      ok: false,
      error: malformed('a query access_token beside another credential', 'multiple_credentials'),
    };
  }
  return { ok: true, credential: found };
}

function queryValues(url: string, name: string): string[] {
  const q = url.indexOf('?');
  if (q === -1) return [];
  return new URLSearchParams(url.slice(q + 1).split('#')[0]).getAll(name);
}

function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?');
  if (q === -1 || !url.includes('access_token', q)) return false;
  return new URLSearchParams(url.slice(q + 1).split('#')[0]).has('access_token');
}

// Every cookie of that name, across every Cookie field line (HTTP/2 sends one per cookie): two of
// them (a parent domain's cookie tossed beside the app's own) are as ambiguous as two headers.
function cookieValues(headers: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (const header of headers) {
    if (!header.includes(name)) continue;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq !== -1 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
    }
  }
  return out;
}
