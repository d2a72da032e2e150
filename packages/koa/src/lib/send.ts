import type { RenderedError } from '@authcore/core';
import type { Refusal } from '@authcore/core/adapter';
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
 * A refusal: sent, or thrown (`errors: 'forward'`) for Koa's `ctx.onerror`, which reads `status`,
 * `expose` and `headers` off the `AuthError`.
 */
export function refuse(ctx: Context, refusal: Refusal): void {
  if (refusal.forward) throw refusal.error;
  send(ctx, refusal.response);
}
