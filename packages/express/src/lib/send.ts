import type { RenderedError } from '@authcore/core';
import type { Response } from 'express';

/**
 * Sends the core's rendering byte for byte. `res.set` and `res.send` would add `; charset=utf-8`
 * and an `ETag`, so the headers go through Node's `setHeader` and the body through `end`.
 */
export function sendRendered(res: Response, rendered: RenderedError): void {
  res.status(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers)) res.setHeader(name, value);
  res.end(rendered.body);
}
