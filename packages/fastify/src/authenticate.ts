import { type Authenticator, nodeRequestView, type Principal } from '@authcore/core';
import { adapterSetup, authenticateFor } from '@authcore/core/adapter';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { refuse } from './lib/send.js';
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
  const setup = adapterSetup(authenticator, options, '@authcore/fastify');
  const viewOptions = { trustProxy: options.trustProxy === true };
  const requestLog = options.requestLog !== false;
  return (request, reply, done) => {
    const pending = authenticateFor(
      setup,
      request,
      nodeRequestView(request.raw, viewOptions),
      (outcome) => {
        if (!outcome.ok) return refuse(reply, done, outcome);
        request.auth = outcome.principal;
        done();
      },
      requestLog ? request.log : undefined,
    );
    // Never returned: Fastify would take a returned promise for an async hook.
    if (pending) pending.catch(done);
  };
}
