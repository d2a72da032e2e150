import {
  type ResourceMetadataOptions,
  resourceMetadataHandler,
  resourceMetadataPath,
} from '@authcore/core';
import type { FastifyPluginCallback } from 'fastify';
import { send } from './lib/send.js';

/**
 * RFC 9728 Protected Resource Metadata: a plugin adding GET and HEAD routes for
 * `/.well-known/oauth-protected-resource` and its path-suffixed form for `resource`, answering
 * the core's document. They are public (`config.auth: false`); other methods get Fastify's 404.
 * `app.register(resourceMetadata({ resource }))` where the paths are not prefixed.
 */
export function resourceMetadata(options: ResourceMetadataOptions): FastifyPluginCallback {
  const handle = resourceMetadataHandler(options);
  const suffixed = resourceMetadataPath(options.resource).split('?')[0]!;
  const urls = new Set(['/.well-known/oauth-protected-resource', suffixed]);
  return (app, _options, done) => {
    for (const url of urls) {
      app.route({
        method: ['GET', 'HEAD'],
        url,
        config: { auth: false },
        handler: (request, reply) => {
          const document = handle(request.method, url);
          return document ? send(reply, document) : reply.callNotFound();
        },
      });
    }
    done();
  };
}
