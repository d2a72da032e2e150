import { type AuthError, createAuthenticator, introspection, jwt } from '@authcore/core';
import { adapterSetup, authenticateFor, guardScopes } from '@authcore/core/adapter';
import * as otel from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../../test/logs/logger.js';
import {
  bearer,
  type JwksServer,
  jwtOptions,
  nodeView,
  sign,
  startJsonServer,
  startJwksServer,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';
import { otelHarness, pointValue } from './otel.js';

let key: TestKey;
let jwks: JwksServer;
beforeAll(async () => {
  key = (await testKeys()).ES256;
  jwks = await startJwksServer([key.jwk]);
});
afterAll(() => jwks.close());

describe('OpenTelemetry', () => {
  it('a span and metrics per authentication: success, refusal, JWKS fetch, cache hit', async () => {
    const o = otelHarness();
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ jwksUri: jwks.url }))],
      telemetry: { tracer: o.tracer, meter: o.meter },
    });
    const token = await sign(key);
    const first = await auth.authenticate(bearer(token));
    expect(first.ok).toBe(true);
    const second = await auth.authenticate(bearer(token)); // the verified-token cache
    expect(second.ok).toBe(true);
    const other = await sign(key, userClaims({ sub: 'user-2' }));
    const refused = await auth.authenticate(bearer(other), { require: { scopes: 'admin' } });
    expect(refused.ok).toBe(false);

    const spans = o.spans();
    expect(spans.map((s) => s.name)).toEqual([
      'authcore.authenticate',
      'authcore.authenticate',
      'authcore.authenticate',
    ]);
    expect(spans[0]!.attributes).toEqual({
      'authcore.scheme': 'jwt',
      'authcore.outcome': 'success',
      'authcore.principal.kind': 'user',
      'authcore.client_id': 'web-app',
    });
    expect(spans[2]!.attributes).toEqual({
      'authcore.scheme': 'jwt',
      'authcore.outcome': 'refused',
      'authcore.reason': 'scope_missing',
      'authcore.error_code': 'insufficient_scope',
      'http.response.status_code': 403,
    });
    expect(spans[2]!.status.code).toBe(otel.SpanStatusCode.UNSET);
    // Never the token, nor any part of it.
    const dump = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]));
    for (const part of [...token.split('.'), ...other.split('.')]) expect(dump).not.toContain(part);

    const requests = await o.points('authcore.requests');
    expect(pointValue(requests, { 'authcore.scheme': 'jwt', 'authcore.outcome': 'success' })).toBe(
      2,
    );
    expect(
      pointValue(requests, { 'authcore.outcome': 'refused', 'authcore.reason': 'scope_missing' }),
    ).toBe(1);
    const duration = await o.points('authcore.duration');
    expect(
      pointValue(duration, { 'authcore.scheme': 'jwt', 'authcore.outcome': 'success' }),
    ).toMatchObject({ count: 2 });
    const fetches = await o.points('authcore.jwks.fetches');
    expect(fetches).toEqual([{ attributes: { 'authcore.outcome': 'success' }, value: 1 }]);
    const cache = await o.points('authcore.token_cache');
    expect(pointValue(cache, { 'authcore.result': 'miss' })).toBe(2);
    expect(pointValue(requests, { 'authcore.outcome': 'success' })).toBe(2);
    expect(pointValue(cache, { 'authcore.result': 'hit' })).toBe(1);
    await o.shutdown();
  });

  it('a JWKS that is down: a failed fetch counted, the request refused', async () => {
    const o = otelHarness();
    const down = await startJwksServer([key.jwk]);
    down.status = 500;
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ jwksUri: down.url }))],
      telemetry: { tracer: o.tracer, meter: o.meter },
    });
    const result = await auth.authenticate(bearer(await sign(key)));
    await down.close();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [span] = o.spans();
    expect(span!.attributes['authcore.outcome']).toBe('refused');
    expect(span!.attributes['authcore.reason']).toBe(result.error.reason);
    expect(await o.points('authcore.jwks.fetches')).toEqual([
      { attributes: { 'authcore.outcome': 'failure' }, value: 1 },
    ]);
    await o.shutdown();
  });

  it('introspection calls and the introspection cache are counted', async () => {
    const o = otelHarness();
    const server = await startJsonServer();
    server.json('/introspect', {
      active: true,
      sub: 'u1',
      client_id: 'svc',
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    server.route('/broken', (_req, res) => void res.writeHead(500).end());
    const scheme = (path: string) =>
      introspection({
        endpoint: `${server.origin}${path}`,
        clientId: 'api',
        clientSecret: 'secret',
      });
    const auth = createAuthenticator({
      schemes: [scheme('/introspect')],
      telemetry: { tracer: o.tracer, meter: o.meter },
    });
    const broken = createAuthenticator({
      schemes: [scheme('/broken')],
      telemetry: { tracer: o.tracer, meter: o.meter },
    });
    try {
      expect((await auth.authenticate(bearer('opaque-1'))).ok).toBe(true);
      expect((await auth.authenticate(bearer('opaque-1'))).ok).toBe(true);
      expect((await broken.authenticate(bearer('opaque-2'))).ok).toBe(false);
    } finally {
      await server.close();
    }
    expect(server.hitsOf('/introspect')).toBe(1);
    const calls = await o.points('authcore.introspection.calls');
    expect(pointValue(calls, { 'authcore.outcome': 'success' })).toBe(1);
    expect(pointValue(calls, { 'authcore.outcome': 'failure' })).toBe(1);
    const cache = await o.points('authcore.token_cache');
    expect(pointValue(cache, { 'authcore.scheme': 'opaque', 'authcore.result': 'hit' })).toBe(1);
    expect(pointValue(cache, { 'authcore.scheme': 'opaque', 'authcore.result': 'miss' })).toBe(2);
    expect(o.spans().map((s) => s.attributes['authcore.scheme'])).toEqual([
      'opaque',
      'opaque',
      'opaque',
    ]);
    await o.shutdown();
  });

  it('`{ api: otel }` uses the global providers, and without them the API is a no-op', async () => {
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: [key.jwk] }))],
      telemetry: { api: otel },
    });
    expect((await auth.authenticate(bearer(await sign(key)))).ok).toBe(true);
    const o = otelHarness();
    otel.trace.setGlobalTracerProvider({ getTracer: () => o.tracer });
    try {
      const traced = createAuthenticator({
        schemes: [jwt(jwtOptions({ keys: [key.jwk] }))],
        telemetry: { api: otel },
      });
      expect((await traced.authenticate(bearer(await sign(key)))).ok).toBe(true);
      expect(o.spans().map((s) => s.attributes['authcore.outcome'])).toEqual(['success']);
    } finally {
      otel.trace.disable();
      await o.shutdown();
    }
  });
});

// A scope guard refuses after `authenticate` said yes: that refusal is observed like the others.
describe('a scope guard refusal', () => {
  it('reaches onFailure, the logger, a span and a metric', async () => {
    const o = otelHarness();
    const { logger, lines } = captureLogger();
    const failures: AuthError[] = [];
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ jwksUri: jwks.url }))],
      logger,
      telemetry: { tracer: o.tracer, meter: o.meter },
      onFailure: (error) => failures.push(error),
    });
    const setup = adapterSetup(auth);
    const carrier = {}; // the framework's request, as an adapter passes it
    const outcome = await authenticateFor(setup, carrier, bearer(await sign(key)), (x) => x);
    expect(outcome.ok).toBe(true);
    const principal = outcome.ok ? outcome.principal : undefined;
    expect(failures).toEqual([]);

    const denied = guardScopes(carrier, principal, 'admin');
    expect(denied?.response.status).toBe(403);
    expect(denied?.response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="admin"',
    );
    expect(denied?.error.reason).toBe('scope_missing');
    expect(failures.map((e) => e.reason)).toEqual(['scope_missing']);
    expect(lines.filter((l) => l.fields.reason === 'scope_missing')).toEqual([
      {
        level: 'debug',
        fields: { reason: 'scope_missing', code: 'insufficient_scope', status: 403, scheme: 'jwt' },
        message: 'authcore: request refused by a scope guard',
      },
    ]);
    const span = o.spans().find((s) => s.name === 'authcore.authorize');
    expect(span?.attributes).toEqual({
      'authcore.scheme': 'jwt',
      'authcore.outcome': 'refused',
      'authcore.reason': 'scope_missing',
      'authcore.error_code': 'insufficient_scope',
      'http.response.status_code': 403,
    });
    expect(
      pointValue(await o.points('authcore.scope_refusals'), { 'authcore.reason': 'scope_missing' }),
    ).toBe(1);
    // A guard that passes reports nothing.
    expect(guardScopes(carrier, principal, 'read:items')).toBeUndefined();
    expect(failures).toHaveLength(1);
    await o.shutdown();
  });

  it('an anonymous request on a guarded optional route is reported as credentials_missing', async () => {
    const { logger, lines } = captureLogger();
    const auth = createAuthenticator({ schemes: [jwt(jwtOptions({ jwksUri: jwks.url }))], logger });
    const carrier = {};
    const setup = adapterSetup(auth, { optional: true });
    const outcome = await authenticateFor(setup, carrier, nodeView([]), (x) => x);
    expect(outcome).toEqual({ ok: true, principal: undefined });
    const denied = guardScopes(carrier, undefined, 'admin');
    expect(denied?.response.status).toBe(401);
    expect(denied?.response.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(denied?.error.reason).toBe('credentials_missing');
    expect(lines.map((l) => [l.message, l.fields.reason])).toEqual([
      ['authcore: request refused by a scope guard', 'credentials_missing'],
    ]);
  });
});
