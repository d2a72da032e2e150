import {
  type AdapterOptions,
  type AuthenticateResult,
  type Authenticator,
  adapterSetup,
  authenticateRequest,
  bindAuthenticator,
  forwardableError,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { send } from './lib/send.js';

/**
 * The hook `authenticate` returns: usable as a route's or an instance's `onRequest` or
 * `preHandler`. Callback style, so a cached token goes on in the same tick.
 */
export type AuthHook = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void;

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
  const settle = (
    result: AuthenticateResult<P>,
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    if (result.ok) {
      request.auth = result.principal;
      done();
      return;
    }
    const rendered = authenticator.render(result.error);
    // Answering early from a callback hook: send, and never call `done`.
    if (forward) done(forwardableError(result.error, rendered));
    else send(reply, rendered);
  };
  return (request, reply, done) => {
    bindAuthenticator(request, authenticator);
    const outcome = authenticateRequest(
      authenticator,
      nodeRequestView(request.raw, viewOptions),
      authenticateOptions,
    );
    if (!('then' in outcome)) return settle(outcome, request, reply, done);
    outcome.then((result) => settle(result, request, reply, done), done);
  };
}
