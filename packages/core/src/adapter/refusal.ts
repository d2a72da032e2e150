import type { Authenticator } from '../authenticator.js';
import { AuthError } from '../errors.js';
import type { RenderedError } from '../render.js';

/**
 * A refusal as an adapter answers it: with `forward` (`errors: 'forward'`), hand `error` to the
 * framework's error path; else write `response` (status, headers, body) as it is.
 */
export interface Refusal {
  readonly ok: false;
  readonly forward: boolean;
  /**
   * The `AuthError`. Forwarded, its `headers` hold the rendered `WWW-Authenticate` (and
   * `DPoP-Nonce`, `Cache-Control`), which Express's, Koa's and Fastify's default handlers send.
   */
  readonly error: AuthError;
  /** The core's rendering, byte for byte the same in every framework. */
  readonly response: RenderedError;
}

/** `error` rendered by `authenticator`, ready to be written or forwarded. */
export function refusal(
  authenticator: Authenticator<unknown>,
  error: AuthError,
  forward: boolean,
): Refusal {
  const response = authenticator.render(error);
  return { ok: false, forward, error: forward ? forwardable(error, response) : error, response };
}

function forwardable(error: AuthError, rendered: RenderedError): AuthError {
  const { 'content-type': _contentType, ...headers } = rendered.headers;
  return new AuthError(error.code, {
    description: error.description,
    cause: error.cause,
    reason: error.reason,
    scopes: error.scopes,
    scheme: error.scheme,
    params: error.params,
    headers,
  });
}
