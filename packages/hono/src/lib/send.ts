import type { RenderedError } from '@authcore/core';
import type { Refusal } from '@authcore/core/adapter';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Sends a core response (a rendered error, the metadata document) byte for byte. */
export const send = (c: Context, response: RenderedError): Response =>
  c.body(response.body, response.status as ContentfulStatusCode, response.headers);

/**
 * A refusal: sent, or with `errors: 'forward'` thrown as an `HTTPException` for `app.onError`,
 * carrying the same rendering as `res` and, as `cause`, the `AuthError` with the challenge in its
 * `headers`.
 */
export function refuse(c: Context, { forward, error, response }: Refusal): Response {
  if (!forward) return send(c, response);
  const status = response.status as ContentfulStatusCode;
  const res = new Response(response.body, { status, headers: response.headers });
  throw new HTTPException(status, { res, message: error.description, cause: error });
}
