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
    return this.description === undefined
      ? { error: this.code }
      : { error: this.code, error_description: this.description };
  }
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(error: OAuthError): Response {
  return json(error.status, error.body(), error.headers);
}

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
      throw new OAuthError('invalid_request', `parameter ${name} is repeated`);
    seen.add(name);
  }
  return {
    get: (name) => search.get(name) || undefined,
    getAll: (name) => search.getAll(name).filter((v) => v !== ''),
  };
}

/** The `application/x-www-form-urlencoded` body of a POST. */
export async function readForm(request: Request): Promise<Params> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  return toParams(new URLSearchParams(await boundedText(request, MAX_FORM_BYTES)));
}

/** Largest form body read, whatever mounts the handler (the node bridge has its own cap). */
const MAX_FORM_BYTES = 65_536;

async function boundedText(request: Request, max: number): Promise<string> {
  if (Number(request.headers.get('content-length')) > max) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const tooLarge = () => new OAuthError('invalid_request', 'the request body is too large');

export function methodNotAllowed(allow: string): Response {
  return json(
    405,
    { error: 'invalid_request', error_description: `method not allowed; use ${allow}` },
    { allow },
  );
}
