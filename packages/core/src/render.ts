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
  /**
   * 401 challenges name the scopes to ask for (RFC 6750 §3; MCP servers SHOULD): `true` puts the
   * route's scopes (`require.scopes`, an adapter's `scopes`) in the challenge of a request with no
   * credential and of an `invalid_token`; a list does too, and is used when the route names none.
   * Default `false`: no `scope` in 401s.
   */
  challengeScopes?: boolean | readonly string[] | undefined;
  /**
   * `insufficient_scope` names the scopes the token already has plus the missing ones, for
   * clients that replace their scope with the challenged one instead of adding to it (several
   * MCP clients on step-up). Default `false`: only the scopes needed.
   */
  keepGrantedScopes?: boolean | undefined;
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

// The error's own scopes, else (401s without a credential or with an invalid token) the default.
function scopesOf(error: AuthError, options: RenderOptions): readonly string[] {
  if (error.scopes.length > 0) return error.scopes;
  const fallback = options.challengeScopes;
  return typeof fallback === 'object' &&
    (error.code === 'credentials_required' || error.code === 'invalid_token')
    ? fallback
    : [];
}

function challenge(scheme: ChallengeScheme, error: AuthError, options: RenderOptions): string {
  const params = [`realm=${quoted(options.realm ?? 'api')}`];
  // A request without credentials gets no `error` (RFC 6750 §3.1), at most the scopes to ask for.
  const bare = error.code === 'credentials_required';
  if (!bare) {
    params.push(
      `error="${error.code}"`,
      `error_description="${descriptionChars(error.description)}"`,
    );
  }
  const scopes = scopesOf(error, options);
  if (scopes.length > 0) params.push(`scope="${scopes.map(scopeChars).join(' ')}"`);
  if (!bare) {
    for (const [name, value] of Object.entries(error.params))
      params.push(`${name}=${quoted(value)}`);
  }
  if (options.resourceMetadata && error.status === 401) {
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
      ? (options.schemes ?? ['Bearer']).map((s) => challenge(s, error, options)).join(', ')
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
