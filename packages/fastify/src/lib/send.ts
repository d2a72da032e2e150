import type { RenderedError } from '@authcore/core';
import type { FastifyReply } from 'fastify';

/**
 * Sends a core response (a rendered error, the metadata document) byte for byte. The body goes
 * as a Buffer: a string with a JSON content type would get `; charset=utf-8` appended by Fastify.
 */
export const send = (reply: FastifyReply, { status, headers, body }: RenderedError) =>
  reply.code(status).headers(headers).send(Buffer.from(body));
