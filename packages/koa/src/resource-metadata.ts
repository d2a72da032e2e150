import { type ResourceMetadataOptions, resourceMetadataHandler } from '@authcore/core';
import type { Middleware } from 'koa';
import { send } from './lib/send.js';

/**
 * RFC 9728 Protected Resource Metadata: middleware answering GET and HEAD on
 * `/.well-known/oauth-protected-resource` and its path-suffixed form for `resource` with the
 * core's document; every other request goes on. `app.use` it before `authenticate`.
 */
export function resourceMetadata(options: ResourceMetadataOptions): Middleware {
  const handle = resourceMetadataHandler(options);
  return async (ctx, next) => {
    const document = handle(ctx.method, ctx.path);
    if (document) send(ctx, document);
    else await next();
  };
}
