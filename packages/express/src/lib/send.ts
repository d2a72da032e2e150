import type { RenderedError } from '@authcore/core';
import type { Refusal } from '@authcore/core/adapter';
import type { NextFunction, Response } from 'express';

/**
 * Sends a core response (a rendered error, the metadata document) byte for byte: `res.set` and
 * `res.send` would add `; charset=utf-8` and an `ETag`, so the headers go through Node's
 * `setHeader` and the body through `end`.
 */
export function send(res: Response, response: RenderedError): void {
  res.status(response.status);
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  res.end(response.body);
}

/** A refusal: sent, or handed to `next` for Express's error handler (`errors: 'forward'`). */
export const refuse = (res: Response, next: NextFunction, refusal: Refusal): void =>
  refusal.forward ? next(refusal.error) : send(res, refusal.response);
