import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelHarness } from '../../core/test/observe/otel.js';
import { post, SERVICE, type Served, serve } from './helpers.js';

const o = otelHarness();
let served: Served;
beforeAll(async () => {
  served = await serve({ telemetry: { tracer: o.tracer, meter: o.meter } });
});
afterAll(async () => {
  await served.close();
  await o.shutdown();
});

describe('issuer telemetry', () => {
  it('a span and counters per endpoint and grant, never a secret or token', async () => {
    const ok = await post(
      `${served.url}/token`,
      { grant_type: 'client_credentials', scope: 'read' },
      { authorization: SERVICE },
    );
    expect(ok.status).toBe(200);
    const bad = await post(
      `${served.url}/token`,
      { grant_type: 'password', username: 'u', password: 'p' },
      { authorization: SERVICE },
    );
    expect(bad.status).toBe(400);
    expect((await fetch(`${served.url}/.well-known/oauth-authorization-server`)).status).toBe(200);

    const spans = o.spans();
    expect(spans.map((s) => s.name)).toEqual([
      'authcore.issuer.token',
      'authcore.issuer.token',
      'authcore.issuer.metadata',
    ]);
    expect(spans[0]!.attributes).toEqual({
      'authcore.endpoint': 'token',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'authcore.outcome': 'success',
      'authcore.grant_type': 'client_credentials',
    });
    expect(spans[1]!.attributes).toMatchObject({
      'authcore.grant_type': 'unsupported',
      'authcore.outcome': 'refused',
      'http.response.status_code': 400,
    });
    const dump = JSON.stringify(spans.map((s) => s.attributes));
    const accessToken = ok.body!.access_token as string;
    for (const part of [...accessToken.split('.'), SERVICE.slice(6), 'password'])
      expect(dump).not.toContain(part);

    const points = await o.points('authcore.issuer.requests');
    expect(points).toContainEqual({
      attributes: {
        'authcore.endpoint': 'token',
        'authcore.grant_type': 'client_credentials',
        'authcore.outcome': 'success',
        'http.response.status_code': 200,
      },
      value: 1,
    });
    expect(points).toContainEqual({
      attributes: {
        'authcore.endpoint': 'metadata',
        'authcore.outcome': 'success',
        'http.response.status_code': 200,
      },
      value: 1,
    });
  });
});
