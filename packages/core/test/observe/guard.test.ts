import { type AuthError, createAuthenticator, jwt } from '@authcore/core';
import { adapterSetup, authenticateFor, guardScopes } from '@authcore/core/adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../../test/logs/logger.js';
import {
  bearer,
  type JwksServer,
  jwtOptions,
  nodeView,
  sign,
  startJwksServer,
  type TestKey,
  testKeys,
} from '../fixtures.js';
import { otelHarness, pointValue } from './otel.js';

let key: TestKey;
let jwks: JwksServer;
beforeAll(async () => {
  key = (await testKeys()).ES256;
  jwks = await startJwksServer([key.jwk]);
});
afterAll(() => jwks.close());

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
    expect(denied?.error.reason).toBe('credentials_missing');
    expect(lines.map((l) => [l.message, l.fields.reason])).toEqual([
      ['authcore: request refused by a scope guard', 'credentials_missing'],
    ]);
  });
});
