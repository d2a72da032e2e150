import { type AuthError, forwardableError, type RenderedError } from '@authcore/core';
import type { FastifyReply } from 'fastify';

/**
 * Sends a core response (a rendered error, the metadata document) byte for byte. The body goes
 * as a Buffer: a string with a JSON content type would get `; charset=utf-8` appended by Fastify.
 */
export const send = (reply: FastifyReply, { status, headers, body }: RenderedError) =>
  reply.code(status).headers(headers).send(Buffer.from(body));

/**
 * A refusal: sent, or with `errors: 'forward'` thrown to Fastify's error handler as an
 * `AuthError` carrying what its default handler reads: `statusCode` and `headers` (the challenge
 * and `cache-control`; Fastify sets its own content type).
 */
export function refuse(
  reply: FastifyReply,
  forward: boolean,
  error: AuthError,
  rendered: RenderedError,
): FastifyReply {
  if (forward) throw forwardableError(error, rendered);
  return send(reply, rendered);
}
