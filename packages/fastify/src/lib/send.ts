import type { AuthError, RenderedError } from '@authcore/core';
import type { FastifyReply } from 'fastify';

/**
 * `respond` sends the core's rendering byte for byte. The body goes as a Buffer: a string with a
 * JSON content type would get `; charset=utf-8` appended to the header by Fastify.
 * `forward` throws the `AuthError` itself to Fastify's error handler, carrying what its default
 * handler reads: `status` (already there) and `headers` (the challenge and `cache-control`;
 * Fastify sets its own content type).
 */
export function refuse(
  reply: FastifyReply,
  forward: boolean,
  error: AuthError,
  render: () => RenderedError,
): FastifyReply {
  const { status, headers, body } = render();
  if (forward) {
    const { 'content-type': _, ...rest } = headers;
    throw Object.assign(error, { headers: rest });
  }
  return reply.code(status).headers(headers).send(Buffer.from(body));
}
