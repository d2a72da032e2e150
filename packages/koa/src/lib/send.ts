import { type AuthError, forwardableError, type RenderedError } from '@authcore/core';
import type { Context } from 'koa';

/**
 * Sends a core response (a rendered error, the metadata document) byte for byte: the headers are
 * set before the body, so Koa keeps the given `content-type` (no charset added).
 */
export function send(ctx: Context, response: RenderedError): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}

/**
 * A refusal: sent, or with `errors: 'forward'` thrown as an `AuthError` carrying what Koa's own
 * `ctx.onerror` reads: `status`, `expose` and `headers` (the challenge and `cache-control`).
 */
export function refuse(
  ctx: Context,
  forward: boolean,
  error: AuthError,
  rendered: RenderedError,
): void {
  if (forward) throw forwardableError(error, rendered);
  send(ctx, rendered);
}
