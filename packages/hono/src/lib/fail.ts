import type { AuthError, RenderedError } from '@authcore/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ErrorMode = 'respond' | 'forward';

export function errorMode(errors: unknown = 'respond'): ErrorMode {
  if (errors === 'respond' || errors === 'forward') return errors;
  throw new TypeError(
    `@authcore/hono: \`errors\` must be 'respond' or 'forward', not ${String(errors)}`,
  );
}

/**
 * `respond` sends the core's rendering byte for byte; `forward` throws an `HTTPException` for
 * `app.onError`, carrying the same rendering as `res` and the `AuthError` as `cause`.
 */
export function fail(
  c: Context,
  error: AuthError,
  rendered: RenderedError,
  mode: ErrorMode,
): Response {
  const status = rendered.status as ContentfulStatusCode;
  if (mode === 'forward') {
    const res = new Response(rendered.body, { status, headers: rendered.headers });
    throw new HTTPException(status, { res, message: error.description, cause: error });
  }
  return c.body(rendered.body, status, rendered.headers);
}
