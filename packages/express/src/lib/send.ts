import { type AuthError, forwardableError, type RenderedError } from '@authcore/core';
import type { NextFunction, Response } from 'express';

/**
 * Sends a core response (a rendered error, the metadata document) byte for byte: `res.set` and
 * `res.send` would add `; charset=utf-8` and an `ETag`, so the headers go through Node's
 * `setHeader` and the body through `end`.
 */
export function send(res: Response, response: RenderedError): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.end(response.body);
}

/**
 * A refusal: sent, or with `errors: 'forward'` handed to `next` as an `AuthError` carrying what
 * Express's default handler reads besides `status`: `headers` (the challenge, `cache-control`).
 */
export function refuse(
  res: Response,
  next: NextFunction,
  forward: boolean,
  error: AuthError,
  rendered: RenderedError,
): void {
  if (forward) next(forwardableError(error, rendered));
  else send(res, rendered);
}
