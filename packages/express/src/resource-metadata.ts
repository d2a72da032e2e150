import { type ResourceMetadataOptions, resourceMetadataHandler } from '@authcore/core';
import type { RequestHandler } from 'express';
import { send } from './lib/send.js';

/**
 * RFC 9728 Protected Resource Metadata: middleware answering GET and HEAD on
 * `/.well-known/oauth-protected-resource` and its path-suffixed form for `resource` with the
 * core's document; every other request goes on. Mount it on the app, before `authenticate`.
 */
export function resourceMetadata(options: ResourceMetadataOptions): RequestHandler {
  const handle = resourceMetadataHandler(options);
  return (req, res, next) => {
    const document = handle(req.method, req.path);
    if (document) send(res, document);
    else next();
  };
}
