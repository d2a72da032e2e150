import type { AdapterOptions, AuthError, RenderedError } from '@authcore/core';
import type { Context } from 'koa';

export type ErrorMode = NonNullable<AdapterOptions['errors']>;

export function errorMode(errors: AdapterOptions['errors']): ErrorMode {
  if (errors === undefined) return 'respond';
  if (errors === 'respond' || errors === 'forward') return errors;
  throw new TypeError(`@authcore/koa: \`errors\` must be 'respond' or 'forward', not ${errors}`);
}

/**
 * `respond` sends the core's rendering byte for byte: the headers are set before the body, so Koa
 * keeps the rendered `content-type` (no charset added) and sends the string as is.
 * `forward` throws the `AuthError` itself, with what Koa's own `ctx.onerror` reads: `status`
 * (already there), `expose` (4xx: the description is shown and the app does not log it as a
 * crash) and `headers` (the challenge and `cache-control`; Koa sets its own content-type).
 */
export function fail(
  ctx: Context,
  error: AuthError,
  rendered: RenderedError,
  mode: ErrorMode,
): void {
  if (mode === 'forward') {
    const { 'content-type': _, ...headers } = rendered.headers;
    throw Object.assign(error, { expose: error.status < 500, headers });
  }
  ctx.status = rendered.status;
  ctx.set(rendered.headers);
  ctx.body = rendered.body;
}
