import type { AuthError } from '../errors.js';
import type { AuthFailureReason } from '../reasons.js';
import type { SchemeEvent } from './events.js';
import type { Logger } from './logger.js';
import {
  type Attributes,
  type CounterLike,
  type HistogramLike,
  resolveTelemetry,
  SPAN_ERROR,
  type SpanLike,
  type TelemetryOptions,
} from './telemetry.js';

/** One request being observed: its start, span, the scheme that took it and its logger. */
export interface Observation {
  start: number;
  span: SpanLike | undefined;
  scheme: string | undefined;
  logger: Logger | undefined;
}

type Outcome = { ok: true; principal: unknown } | { ok: false; error: AuthError };

/** A run of refusals for one of these reasons, with no success, is almost surely configuration. */
const CONFIG_HINTS: Partial<Record<AuthFailureReason, string>> = {
  typ_mismatch:
    'every token was refused for its typ header: set `typ` to what your provider sends (see docs/providers/README.md)',
  issuer_mismatch:
    'every token was refused for its iss claim: set `issuer` to exactly what your provider puts in `iss` (trailing slash included)',
  audience_mismatch:
    'every token was refused for its aud claim: set `audience` to what your provider puts in `aud` (see docs/providers/README.md)',
  alg_not_allowed:
    'every token was refused for its alg: add the algorithm your provider signs with to `algorithms`',
  unknown_kid:
    'no token had a key in the key source: check `jwksUri` / `issuer` point at the provider that signs them',
};
const DOWN: Partial<Record<AuthFailureReason, string>> = {
  key_source_unavailable: 'the JWKS key source is unavailable: tokens are refused with 503',
  introspection_unavailable: 'the introspection endpoint is unavailable: tokens are refused',
  store_unavailable: 'the API key store is unavailable: keys are refused with 503',
};
const SAME_OUTAGE: Partial<Record<string, string>> = {
  key_source_unavailable: 'jwks_fetch',
  introspection_unavailable: 'introspection_call',
};

export interface ObserverOptions {
  logger?: Logger | undefined;
  telemetry?: TelemetryOptions | undefined;
  /** Refusals in a row, all for one configuration reason, before the hint. Default 20. */
  streak?: number;
  /** The time the streak must fit in. Default 10 minutes. */
  streakWindowMs?: number;
  /** Least time between two warnings of one kind. Default 1 minute. */
  warnEveryMs?: number;
  now?: () => number;
}

const clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Logs, spans and metrics of an authenticator, or `undefined` with none configured (then the
 * authenticator's hot path is untouched).
 */
export function createObserver(options: ObserverOptions, always = false) {
  const telemetry = resolveTelemetry(options.telemetry, '@authcore/core');
  const baseLogger = options.logger;
  if (!telemetry && !baseLogger && !always) return undefined;
  // Scheme events (a failed fetch) belong to no request: they go to the last logger seen.
  let eventLogger = baseLogger;
  const streakSize = Math.max(options.streak ?? 20, 1);
  const warnEvery = options.warnEveryMs ?? 60_000;
  const now = options.now ?? Date.now;
  const tracer = telemetry?.tracer;
  const meter = telemetry?.meter;
  const requests: CounterLike | undefined = meter?.createCounter('authcore.requests', {
    description: 'Authentications, by scheme, outcome and reason',
  });
  const duration: HistogramLike | undefined = meter?.createHistogram('authcore.duration', {
    description: 'Time to authenticate one request',
    unit: 's',
  });
  const jwksFetches = meter?.createCounter('authcore.jwks.fetches', {
    description: 'JWKS fetches, by outcome',
  });
  const tokenCache = meter?.createCounter('authcore.token_cache', {
    description: 'Verified-token cache lookups, by result (hit, miss)',
  });
  const guardRefusals = meter?.createCounter('authcore.scope_refusals', {
    description: 'Requests a scope guard refused after authentication, by scheme and reason',
  });
  const introspections = meter?.createCounter('authcore.introspection.calls', {
    description: 'Introspection calls, by outcome',
  });

  const lastWarned = new Map<string, number>();
  // Rate-limited: one line per kind per `warnEveryMs`, however many requests see the cause.
  const warn = (logger: Logger | undefined, kind: string, fields: Attributes, message: string) => {
    if (!logger) return;
    const t = now();
    const last = lastWarned.get(kind);
    if (last !== undefined && t - last < warnEvery) return;
    lastWarned.set(kind, t);
    try {
      logger.warn({ ...fields, kind }, `authcore: ${message}`);
    } catch {}
  };

  const streakWindow = options.streakWindowMs ?? 600_000;
  let streak: { reason: AuthFailureReason; count: number; since: number } | undefined;
  const track = (logger: Logger | undefined, error: AuthError | undefined) => {
    if (!error) {
      streak = undefined;
      return;
    }
    const hint = CONFIG_HINTS[error.reason];
    if (!hint) {
      streak = undefined;
      return;
    }
    const t = now();
    if (streak?.reason === error.reason && t - streak.since < streakWindow) streak.count++;
    else streak = { reason: error.reason, count: 1, since: t };
    if (streak.count >= streakSize) {
      warn(logger, error.reason, { reason: error.reason, refusals: streak.count }, hint);
      streak = undefined;
    }
  };

  const record = (obs: Observation, scheme: string, outcome: Outcome | undefined) => {
    const seconds = (clock() - obs.start) / 1000;
    const attributes: Attributes = { 'authcore.scheme': scheme };
    if (outcome === undefined) {
      attributes['authcore.outcome'] = 'error';
    } else if (outcome.ok) {
      const principal = outcome.principal as
        | { kind?: unknown; clientId?: unknown; scheme?: unknown }
        | undefined;
      attributes['authcore.outcome'] = principal === undefined ? 'anonymous' : 'success';
      if (principal) {
        if (typeof principal.kind === 'string')
          attributes['authcore.principal.kind'] = principal.kind;
        if (typeof principal.clientId === 'string')
          attributes['authcore.client_id'] = principal.clientId;
      }
    } else {
      attributes['authcore.outcome'] = 'refused';
      attributes['authcore.reason'] = outcome.error.reason;
      attributes['authcore.error_code'] = outcome.error.code;
      attributes['http.response.status_code'] = outcome.error.status;
    }
    if (obs.span) {
      try {
        obs.span.setAttributes(attributes);
        if (outcome === undefined || (!outcome.ok && outcome.error.status >= 500))
          obs.span.setStatus({
            code: SPAN_ERROR,
            message: outcome ? outcome.error.reason : 'authenticate threw',
          });
        obs.span.end();
      } catch {}
    }
    try {
      const counted: Attributes = {
        'authcore.scheme': scheme,
        'authcore.outcome': attributes['authcore.outcome'],
      };
      duration?.record(seconds, counted);
      if (outcome && !outcome.ok) counted['authcore.reason'] = outcome.error.reason;
      requests?.add(1, counted);
    } catch {}
  };

  const log = (logger: Logger, scheme: string, outcome: Outcome | undefined, thrown: unknown) => {
    eventLogger = logger;
    if (outcome === undefined) {
      try {
        logger.error(
          { scheme, error: thrown instanceof Error ? thrown.name : typeof thrown },
          'authcore: authenticate threw (a require.check of yours?)',
        );
      } catch {}
      return;
    }
    if (outcome.ok) {
      if (outcome.principal !== undefined) track(logger, undefined);
      return;
    }
    const { error } = outcome;
    try {
      logger.debug(
        { reason: error.reason, code: error.code, status: error.status, scheme },
        'authcore: request refused',
      );
    } catch {}
    const down = DOWN[error.reason];
    // One outage, one line: a refusal for a source that is down shares the rate limit of the
    // failed fetch or call that caused it.
    if (down)
      warn(
        logger,
        SAME_OUTAGE[error.reason] ?? error.reason,
        { reason: error.reason, scheme },
        down,
      );
    track(logger, error);
  };

  return {
    start(logger: Logger | undefined): Observation {
      return {
        // Only telemetry reads the time: a logger alone costs no clock read per request.
        start: telemetry ? clock() : 0,
        span: tracer?.startSpan('authcore.authenticate'),
        scheme: undefined,
        logger: logger ?? baseLogger,
      };
    },
    end(obs: Observation, outcome: Outcome | undefined, thrown?: unknown): void {
      const scheme = obs.scheme ?? 'none';
      if (telemetry) record(obs, scheme, outcome);
      if (obs.logger) log(obs.logger, scheme, outcome, thrown);
    },
    /** A scope guard refused a request after `authenticate` let it through. */
    guardRefused(logger: Logger | undefined, scheme: string, error: AuthError): void {
      const attributes: Attributes = {
        'authcore.scheme': scheme,
        'authcore.outcome': 'refused',
        'authcore.reason': error.reason,
        'authcore.error_code': error.code,
        'http.response.status_code': error.status,
      };
      if (tracer) {
        try {
          const span = tracer.startSpan('authcore.authorize');
          span.setAttributes(attributes);
          span.end();
        } catch {}
      }
      try {
        guardRefusals?.add(1, { 'authcore.scheme': scheme, 'authcore.reason': error.reason });
      } catch {}
      const l = logger ?? baseLogger;
      if (!l) return;
      eventLogger = l;
      try {
        l.debug(
          { reason: error.reason, code: error.code, status: error.status, scheme },
          'authcore: request refused by a scope guard',
        );
      } catch {}
    },
    /** The sink every scheme reports to. */
    event(event: SchemeEvent): void {
      switch (event.type) {
        case 'jwks_fetch':
          jwksFetches?.add(1, { 'authcore.outcome': event.ok ? 'success' : 'failure' });
          if (!event.ok)
            warn(
              eventLogger,
              'jwks_fetch',
              { error: describe(event.error) },
              'a JWKS fetch failed: the last good keys serve for `staleIfErrorMs`, then tokens are refused with 503',
            );
          return;
        case 'token_cache':
          tokenCache?.add(1, {
            'authcore.scheme': event.scheme,
            'authcore.result': event.hit ? 'hit' : 'miss',
          });
          return;
        case 'introspection':
          introspections?.add(1, { 'authcore.outcome': event.ok ? 'success' : 'failure' });
          if (!event.ok)
            warn(
              eventLogger,
              'introspection_call',
              { error: describe(event.error) },
              'an introspection call failed',
            );
          return;
      }
    },
  };
}

export type Observer = NonNullable<ReturnType<typeof createObserver>>;

// The error's class and message only: fetch errors name the URL and status, never the body.
const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
