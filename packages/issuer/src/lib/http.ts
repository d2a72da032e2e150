import { type Incoming, type Reply, toResponse } from './exchange.js';

/** RFC 6749 §5.2 error codes, plus those of RFC 8707, RFC 7009, RFC 6749 §4.1.2.1 and RFC 7591. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_token_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token';

// RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`).
const DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * An `error_description` as rendered: the issuer's own are fixed texts that never echo request
 * input; any text outside RFC 6749's character set (a host hook's, say) is dropped, not escaped.
 */
export const safeDescription = (text: string | undefined): string | undefined =>
  text !== undefined && DESCRIPTION.test(text) ? text : undefined;

/** An OAuth error response in the making; thrown inside an endpoint, rendered at its edge. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly code: OAuthErrorCode,
    readonly description?: string,
    readonly status = code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description ? `${code}: ${description}` : code);
  }

  body(): { error: string; error_description?: string } {
    const description = safeDescription(this.description);
    return description === undefined
      ? { error: this.code }
      : { error: this.code, error_description: description };
  }
}

/** A JSON answer, not yet a `Response` (the Node bridge writes it as it is). */
export function reply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return toResponse(reply(status, body, headers));
}

export function errorReply(error: OAuthError): Reply {
  return reply(error.status, error.body(), error.headers);
}

const DECODER = new TextDecoder();
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Request parameters with RFC 6749 §3.1 rules: empty means absent, no repeats. */
export interface Params {
  get(name: string): string | undefined;
  getAll(name: string): string[];
}

const REPEATABLE = new Set(['resource']);

export function toParams(search: URLSearchParams): Params {
  const seen = new Set<string>();
  for (const name of search.keys()) {
    if (seen.has(name) && !REPEATABLE.has(name))
      throw new OAuthError('invalid_request', 'a parameter is repeated');
    seen.add(name);
  }
  return {
    get: (name) => search.get(name) || undefined,
    getAll: (name) => search.getAll(name).filter((v) => v !== ''),
  };
}

/** The `application/x-www-form-urlencoded` body of a POST, as parameters. */
export async function readForm(request: Incoming): Promise<Params> {
  return toParams(await readFormBody(request));
}

/**
 * The raw form body of a POST, read through the core's bounded reader like every body: past
 * `MAX_BODY_BYTES` it stops pulling the stream and answers 413, whatever mounts the handler.
 */
export async function readFormBody(request: Incoming): Promise<URLSearchParams> {
  if (mediaType(request) !== 'application/x-www-form-urlencoded')
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  return new URLSearchParams(DECODER.decode(await readBody(request, MAX_BODY_BYTES)));
}

/** An `application/json` body of at most `max` bytes, parsed; `invalid_client_metadata` else. */
export async function readJsonBody(request: Incoming, max: number): Promise<unknown> {
  if (mediaType(request) !== 'application/json')
    throw new OAuthError('invalid_client_metadata', 'the body must be application/json');
  const bytes = await readBody(request, max);
  try {
    return JSON.parse(STRICT_UTF8.decode(bytes));
  } catch {
    throw new OAuthError('invalid_client_metadata', 'the body must be a JSON object');
  }
}

/** Largest form body read, whatever mounts the handler (the node bridge has its own cap). */
export const MAX_BODY_BYTES = 65_536;

const mediaType = (request: Incoming) =>
  request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();

async function readBody(request: Incoming, max: number): Promise<Uint8Array> {
  const bytes = await request.body(max);
  if (bytes === undefined)
    throw new OAuthError('invalid_request', 'the request body is too large', 413);
  return bytes;
}

const METHOD_NOT_ALLOWED = {
  GET: 'method not allowed; use GET',
  POST: 'method not allowed; use POST',
  'GET, POST': 'method not allowed; use GET, POST',
  'POST, GET, DELETE': 'method not allowed; use POST, GET, DELETE',
} as const;

/** A 405 with `Allow`, to throw. */
export const methodNotAllowed = (allow: keyof typeof METHOD_NOT_ALLOWED): OAuthError =>
  new OAuthError('invalid_request', METHOD_NOT_ALLOWED[allow], 405, { allow });
