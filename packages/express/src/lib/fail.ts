import type { AdapterOptions, AuthError, RenderedError } from '@authcore/core';
import type { NextFunction, Response } from 'express';

export type ErrorMode = NonNullable<AdapterOptions['errors']>;

export function errorMode(errors: AdapterOptions['errors']): ErrorMode {
  if (errors === undefined) return 'respond';
  if (errors === 'respond' || errors === 'forward') return errors;
  throw new TypeError(
    `@authcore/express: \`errors\` must be 'respond' or 'forward', not ${errors}`,
  );
}

/**
 * `respond` sends the core's rendering byte for byte: `res.set` and `res.send` would add
 * `; charset=utf-8` and an `ETag`, so the headers go through Node's `setHeader` and the body
 * through `end`. `forward` calls `next(error)` with the `AuthError` itself, carrying what Express's
 * default handler reads besides `status`: `headers` (the challenge and `cache-control`).
 */
export function fail(
  res: Response,
  next: NextFunction,
  error: AuthError,
  rendered: RenderedError,
  mode: ErrorMode,
): void {
  if (mode === 'forward') {
    const { 'content-type': _, ...headers } = rendered.headers;
    next(Object.assign(error, { expose: error.status < 500, headers }));
    return;
  }
  res.status(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers)) res.setHeader(name, value);
  res.end(rendered.body);
}
