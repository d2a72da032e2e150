import { type ResourceMetadataOptions, resourceMetadataHandler } from '@authcore/core';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { send } from './lib/send.js';

/**
 * RFC 9728 Protected Resource Metadata: middleware answering GET and HEAD on
 * `/.well-known/oauth-protected-resource` and its path-suffixed form for `resource` with the
 * core's document; every other request goes on. `app.use` it before `authenticate`.
 */
export function resourceMetadata(options: ResourceMetadataOptions): MiddlewareHandler {
  const handle = resourceMetadataHandler(options);
  return createMiddleware(async (c, next) => {
    const document = handle(c.req.method, c.req.path);
    if (document) return send(c, document);
    await next();
  });
}
