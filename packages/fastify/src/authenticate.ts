import {
  type Authenticator,
  adapterSetup,
  authenticateFor,
  forwardableError,
  nodeRequestView,
  type Principal,
} from '@authcore/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { send } from './lib/send.js';
import type { FastifyAuthOptions } from './types.js';

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
 * Fastify's error handler instead of answering with the core's rendering. Refusals are logged on
 * `request.log` (debug; see docs/observability.md) unless `requestLog: false`.
 */
export function authenticate<P extends Principal>(
  authenticator: Authenticator<P>,
  options: FastifyAuthOptions = {},
): AuthHook {
  const { forward, authenticateOptions } = adapterSetup(
    authenticator,
    options,
    '@authcore/fastify',
  );
  const viewOptions = { trustProxy: options.trustProxy === true };
  const requestLog = options.requestLog !== false;
  return (request, reply, done) => {
    const pending = authenticateFor(
      request,
      authenticator,
      nodeRequestView(request.raw, viewOptions),
      requestLog ? { ...authenticateOptions, logger: request.log } : authenticateOptions,
      (outcome) => {
        if (outcome.ok) {
          request.auth = outcome.principal;
          done();
        } else if (forward) done(forwardableError(outcome.error, outcome.rendered));
        // Answering early from a callback hook: send, and never call `done`.
        else send(reply, outcome.rendered);
      },
    );
    // Never returned: Fastify would take a returned promise for an async hook.
    if (pending) pending.catch(done);
  };
}
