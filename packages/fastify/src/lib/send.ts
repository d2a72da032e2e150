import type { AuthError, RenderedError } from '@authcore/core';
import type { FastifyReply } from 'fastify';

/**
 * Sends the core's rendering byte for byte, or hands the error to Fastify's error handler
 * (`AuthError.status` gives it the status). The body goes as a Buffer: a string with a JSON
 * content type would get `; charset=utf-8` appended to the header by Fastify.
 */
export function refuse(
  reply: FastifyReply,
  forward: boolean,
  error: AuthError,
  render: () => RenderedError,
): FastifyReply {
  if (forward) throw error;
  const { status, headers, body } = render();
  return reply.code(status).headers(headers).send(Buffer.from(body));
}
