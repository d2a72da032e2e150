import type { RenderedError } from '@authcore/core';
import type { Refusal } from '@authcore/core/adapter';
import type { FastifyReply, HookHandlerDoneFunction } from 'fastify';

/**
 * Sends a core response (a rendered error, the metadata document) byte for byte. The body goes
 * as a Buffer: a string with a JSON content type would get `; charset=utf-8` appended by Fastify.
 */
export const send = (reply: FastifyReply, { status, headers, body }: RenderedError) =>
  reply.code(status).headers(headers).send(Buffer.from(body));

/**
 * A refusal from a callback hook: handed to `done` for Fastify's error handler
 * (`errors: 'forward'`), or sent, and then `done` is never called.
 */
export function refuse(reply: FastifyReply, done: HookHandlerDoneFunction, refusal: Refusal) {
  if (refusal.forward) done(refusal.error);
  else send(reply, refusal.response);
}
