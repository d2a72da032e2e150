import type { MeterLike, TelemetryOptions, TracerLike } from '@authcore/core';
import type { Answer, Incoming } from './exchange.js';

// The grant of a token request, noted by the token endpoint for the request's span and counters.
const GRANTS = new WeakMap<Incoming, string>();
const KNOWN_GRANTS = new Set([
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);
/** Bounded: an unknown grant type is counted as `unsupported`, not by what the client sent. */
export const noteGrant = (request: Incoming, grantType: string | undefined): void => {
  if (GRANTS_ACTIVE.on)
    GRANTS.set(request, grantType && KNOWN_GRANTS.has(grantType) ? grantType : 'unsupported');
};
const GRANTS_ACTIVE = { on: false };

const clock = () => performance.now();

/**
 * Spans and counters per endpoint and grant, around the issuer's fetch handler; the handler
 * itself when no telemetry is configured.
 */
export function observeIssuer(
  telemetry: TelemetryOptions | undefined,
  endpointOf: (request: Incoming) => string,
  handler: (request: Incoming) => Promise<Answer>,
): (request: Incoming) => Promise<Answer> {
  if (!telemetry) return handler;
  const tracer: TracerLike | undefined = telemetry.api
    ? telemetry.api.trace.getTracer('@authcore/issuer')
    : telemetry.tracer;
  const meter: MeterLike | undefined = telemetry.api
    ? telemetry.api.metrics.getMeter('@authcore/issuer')
    : telemetry.meter;
  if (!tracer && !meter) return handler;
  GRANTS_ACTIVE.on = true;
  const requests = meter?.createCounter('authcore.issuer.requests', {
    description: 'Issuer requests, by endpoint, grant and status',
  });
  const duration = meter?.createHistogram('authcore.issuer.duration', {
    description: 'Time to answer one issuer request',
    unit: 's',
  });
  return async (request) => {
    const endpoint = endpointOf(request);
    const span = tracer?.startSpan(`authcore.issuer.${endpoint}`);
    const start = clock();
    const response = await handler(request);
    const status = response.status;
    const attributes: Record<string, string | number> = {
      'authcore.endpoint': endpoint,
      'http.request.method': request.method,
      'http.response.status_code': status,
      'authcore.outcome': status >= 500 ? 'error' : status >= 400 ? 'refused' : 'success',
    };
    const grant = GRANTS.get(request);
    if (grant) attributes['authcore.grant_type'] = grant;
    try {
      if (span) {
        span.setAttributes(attributes);
        if (status >= 500) span.setStatus({ code: 2, message: 'server_error' });
        span.end();
      }
      const counted = { ...attributes };
      delete counted['http.request.method'];
      requests?.add(1, counted);
      duration?.record((clock() - start) / 1000, counted);
    } catch {}
    return response;
  };
}
