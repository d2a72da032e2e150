import type { Logger } from '@authcore/core';
import type { EndpointName } from '../options.js';
import type { Answer, Incoming } from './exchange.js';
import { errorReply, OAuthError } from './http.js';

export type Handler = (request: Incoming) => Promise<Answer>;

/**
 * A store that cannot answer (Redis down, failing over) is the server's problem, not the
 * client's: stores signal it with `unavailable: true` on what they throw (`RedisStoreError`
 * does), and the answer is a 503 `temporarily_unavailable` with `Retry-After`, not a 500.
 */
const isUnavailable = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { unavailable?: unknown }).unavailable === true;

/** Least time between two warnings of one kind at one endpoint. */
const WARN_EVERY_MS = 60_000;

export interface EndpointErrors {
  /**
   * The OAuth error to answer for what an endpoint threw: an `OAuthError` as it is, a store
   * outage 503 `temporarily_unavailable`, anything else 500 `server_error` with a fixed body.
   * Unexpected errors go to `onError` and a rate-limited warning (their name only).
   */
  refuse(endpoint: EndpointName, error: unknown): OAuthError;
  /** The debug line of one refused request: its endpoint, OAuth error code and status. */
  refused(endpoint: EndpointName, code: string, status: number): void;
  /**
   * An error of the issuer's own work between requests (the key ring's reads and rotations of a
   * shared key store): `onError`, and a rate-limited warning with the error's name only.
   */
  background(error: unknown): void;
}

export function endpointErrors(options: {
  onError: ((error: unknown) => void) | undefined;
  logger: Logger | undefined;
  now: () => number;
}): EndpointErrors {
  const { logger, now } = options;
  const onError = options.onError ?? (() => {});
  // Bounded: one entry per endpoint and kind.
  const lastWarned = new Map<string, number>();
  const warn = (endpoint: EndpointName, kind: string, fields: object, message: string) => {
    const key = `${endpoint} ${kind}`;
    const t = now();
    const last = lastWarned.get(key);
    if (last !== undefined && t - last < WARN_EVERY_MS) return;
    lastWarned.set(key, t);
    try {
      logger?.warn({ endpoint, ...fields }, `authcore issuer: ${message}`);
    } catch {}
  };
  const refused = (endpoint: EndpointName, code: string, status: number) => {
    try {
      logger?.debug({ endpoint, error: code, status }, 'authcore issuer: request refused');
    } catch {}
  };
  return {
    refused,
    background(error) {
      onError(error);
      warn(
        'jwks',
        'key_store',
        { errorName: error instanceof Error ? error.name : typeof error },
        'the key store failed: the keys last read still sign and are published (onError has the error)',
      );
    },
    refuse(endpoint, error) {
      if (error instanceof OAuthError) return error;
      onError(error);
      const unavailable = isUnavailable(error);
      const answer = unavailable
        ? new OAuthError(
            'temporarily_unavailable',
            'the authorization server is temporarily unavailable',
            503,
            { 'retry-after': '1' },
          )
        : new OAuthError('server_error');
      // The error's name only: its message may carry what a store or hook was given.
      const errorName = error instanceof Error ? error.name : typeof error;
      if (unavailable)
        warn(
          endpoint,
          'store_unavailable',
          { error: answer.code, errorName },
          'a store is unavailable: answering 503 temporarily_unavailable (onError has the error)',
        );
      else
        warn(
          endpoint,
          'unexpected_error',
          { error: answer.code, errorName },
          'an unexpected error: answering 500 server_error (onError has the error)',
        );
      return answer;
    },
  };
}

/** The one wrapper every endpoint answers through: what it throws becomes an OAuth error response. */
export function endpoint(errors: EndpointErrors, name: EndpointName, handler: Handler): Handler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      const refusal = errors.refuse(name, error);
      errors.refused(name, refusal.code, refusal.status);
      return errorReply(refusal);
    }
  };
}
