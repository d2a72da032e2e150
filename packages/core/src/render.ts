import type { AuthError, ChallengeScheme } from './errors.js';

export interface RenderOptions {
  /** `realm` of every challenge. Default `api`. */
  realm?: string | undefined;
  /** RFC 9728 Protected Resource Metadata URL, added to every 401 challenge. */
  resourceMetadata?: string | undefined;
  /** Answer `application/problem+json` (RFC 9457) instead of `{ error, error_description }`. */
  problemJson?: boolean | undefined;
  /** Schemes offered in the bare challenge of a request with no credential. Default `['Bearer']`. */
  schemes?: readonly ChallengeScheme[] | undefined;
}

/** An HTTP response every adapter sends as is, so all frameworks answer byte-for-byte the same. */
export interface RenderedError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
};

// RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E; scope tokens %x21 / %x23-5B / %x5D-7E.
const descriptionChars = (s: string) => s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
const scopeChars = (s: string) => s.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '');
const quoted = (s: string) => `"${s.replace(/[\\"]/g, '')}"`;

function challenge(
  scheme: ChallengeScheme,
  error: AuthError | undefined,
  options: RenderOptions,
): string {
  const params = [`realm=${quoted(options.realm ?? 'api')}`];
  if (error) {
    params.push(
      `error="${error.code}"`,
      `error_description="${descriptionChars(error.description)}"`,
    );
    if (error.scopes.length > 0) params.push(`scope="${error.scopes.map(scopeChars).join(' ')}"`);
    for (const [name, value] of Object.entries(error.params))
      params.push(`${name}=${quoted(value)}`);
  }
  if (options.resourceMetadata && (!error || error.status === 401)) {
    params.push(`resource_metadata=${quoted(options.resourceMetadata)}`);
  }
  return `${scheme} ${params.join(', ')}`;
}

/**
 * Turns any `AuthError` into the response to send: status, `WWW-Authenticate` per RFC 6750 §3
 * and a JSON body. A request without credentials gets a bare challenge with no `error`.
 */
export function renderAuthError(error: AuthError, options: RenderOptions = {}): RenderedError {
  const wwwAuthenticate =
    error.code === 'credentials_required'
      ? (options.schemes ?? ['Bearer']).map((s) => challenge(s, undefined, options)).join(', ')
      : challenge(error.scheme, error, options);
  const headers: Record<string, string> = {
    'content-type': options.problemJson ? 'application/problem+json' : 'application/json',
    'cache-control': 'no-store',
    'www-authenticate': wwwAuthenticate,
    ...error.headers,
  };
  const body = options.problemJson
    ? JSON.stringify({
        type: 'about:blank',
        title: REASON[error.status] ?? 'Error',
        status: error.status,
        detail: error.description,
        error: error.code,
      })
    : JSON.stringify({ error: error.code, error_description: error.description });
  return { status: error.status, headers, body };
}
