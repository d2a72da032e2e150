import { type AuthenticateResult, Passage } from '../authenticator.js';
import type { Logger } from '../observe/logger.js';
import type { RequestView } from '../request.js';
import { type Refusal, refusal } from './refusal.js';
import { attachPassage } from './scopes.js';
import type { AdapterSetup } from './setup.js';

/** What an adapter's `settle` receives: the principal (none when anonymous), or the refusal. */
export type AdapterOutcome<P> = { ok: true; principal: P | undefined } | Refusal;

/**
 * The whole authentication step of an adapter: records on `carrier` (the framework's request or
 * context) what a later `guardScopes` needs, authenticates `request` and hands the outcome to
 * `settle`: in the same tick when it is known at once (a cached token), else when it arrives.
 * `logger`: this request's (Fastify's `request.log`). Returns what `settle` returns, or a promise
 * of it.
 */
export function authenticateFor<P, R>(
  setup: AdapterSetup<P>,
  carrier: object,
  request: RequestView,
  settle: (outcome: AdapterOutcome<P>) => R,
  logger?: Logger,
): R | Promise<R> {
  const passage = new Passage(
    setup.authenticator as AdapterSetup<unknown>['authenticator'],
    request,
    logger,
  );
  attachPassage(carrier, passage);
  const result = setup.run(request, setup.authenticateOptions, passage, logger);
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
