import type { AuthenticateResult } from '../authenticator.js';
import type { Logger } from '../observe/logger.js';
import type { RequestView } from '../request.js';
import { type Refusal, refusal } from './refusal.js';
import { bindAuthenticator } from './scopes.js';
import type { AdapterSetup } from './setup.js';

/** What an adapter's `settle` receives: the principal (none when anonymous), or the refusal. */
export type AdapterOutcome<P> = { ok: true; principal: P | undefined } | Refusal;

/**
 * The whole authentication step of an adapter: binds the authenticator to `carrier` (the
 * framework's request or context, for `guardScopes`), authenticates `request` and hands the
 * outcome to `settle`: in the same tick when it is known at once (a cached token), else when it
 * arrives. `logger`: this request's (Fastify's `request.log`). Returns what `settle` returns, or
 * a promise of it.
 */
export function authenticateFor<P, R>(
  setup: AdapterSetup<P>,
  carrier: object,
  request: RequestView,
  settle: (outcome: AdapterOutcome<P>) => R,
  logger?: Logger,
): R | Promise<R> {
  bindAuthenticator(carrier, setup.authenticator as AdapterSetup<unknown>['authenticator']);
  const result = setup.run(request, setup.authenticateOptions, carrier, logger);
  if (!('then' in result)) return settle(outcomeOf(setup, result));
  return result.then((r) => settle(outcomeOf(setup, r)));
}

const outcomeOf = <P>(setup: AdapterSetup<P>, result: AuthenticateResult<P>): AdapterOutcome<P> =>
  result.ok
    ? result
    : refusal(
        setup.authenticator as AdapterSetup<unknown>['authenticator'],
        result.error,
        setup.forward,
      );
