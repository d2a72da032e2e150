import {
  type AdapterOptions,
  type Authenticator,
  adapterSetup,
  bindAuthenticator,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from './lib/send.js';

/** The hook `authenticate` returns: usable as a route's or an instance's `onRequest` or `preHandler`. */
export type AuthHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

/**
 * A hook that authenticates the request and puts the principal on `request.auth`. Required by
 * default; `optional: true` lets requests without a credential through with `request.auth`
 * undefined (a bad credential still fails). `scopes`, `acr` and `maxAge` authorize the principal
 * (RFC 9470 step-up for the last two). `errors: 'forward'` throws the `AuthError` to
 * Fastify's error handler instead of answering with the core's rendering.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: AdapterOptions = {},
): AuthHook {
  const { forward, authenticateOptions } = adapterSetup(
    authenticator,
    options,
    '@authcore/fastify',
  );
  const viewOptions = { trustProxy: options.trustProxy === true };
  return async (request, reply) => {
    bindAuthenticator(request, authenticator);
    const result = await authenticator.authenticate(
      nodeRequestView(request.raw, viewOptions),
      authenticateOptions,
    );
    if (result.ok) {
      request.auth = result.principal;
      return undefined;
    }
    return refuse(reply, forward, result.error, authenticator.render(result.error));
  };
}
