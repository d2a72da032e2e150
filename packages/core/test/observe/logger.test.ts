import type { IncomingMessage } from 'node:http';
import {
  AuthError,
  apiKey,
  createAuthenticator,
  generateApiKey,
  introspection,
  jwt,
  MemoryApiKeyStore,
  nodeRequestView,
  type Scheme,
} from '@authcore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger as capture } from '../../../../test/logs/logger.js';
import { boundTo, clientKey, dpopRequest, proofBy } from '../dpop/helpers.js';
import {
  bearer,
  type JsonServer,
  jwtOptions,
  sign,
  startJsonServer,
  startJwksServer,
  type TestKey,
  testKeys,
  userClaims,
} from '../fixtures.js';
import { otelHarness } from './otel.js';

/** The scheme of a test: refuses every credential with `reason` (or accepts `good`). */
const fixed = (
  reason: AuthError['reason'],
  code: 'invalid_token' | 'temporarily_unavailable' = 'invalid_token',
): Scheme<{ scheme: 'fixed'; kind: 'user'; clientId: undefined; scopes: ReadonlySet<string> }> => ({
  name: 'fixed',
  challenge: 'Bearer',
  accepts: () => true,
  verify: (credential) =>
    credential.token === 'good'
      ? {
          ok: true,
          principal: { scheme: 'fixed', kind: 'user', clientId: undefined, scopes: new Set() },
        }
      : { ok: false, error: new AuthError(code, { reason }) },
});

let key: TestKey;
let server: JsonServer;
const CLIENT_SECRET = 'introspection-s3cret-value-0123456789';
beforeAll(async () => {
  key = (await testKeys()).ES256;
  server = await startJsonServer();
  server.route('/introspect', async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const token = new URLSearchParams(body).get('token');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        token === 'opaque-good-token-abcdef'
          ? { active: true, sub: 'u1', exp: Math.floor(Date.now() / 1000) + 600 }
          : { active: false },
      ),
    );
  });
});
afterAll(() => server.close());

describe('logger', () => {
  it('logs each refusal at debug with its reason and code, and never a token, key or secret', async () => {
    const { logger, lines, text } = capture();
    const store = new MemoryApiKeyStore();
    const generated = await generateApiKey({ prefix: 'sk_test', owner: 'acme', scopes: 'a' });
    await store.create(generated.record);
    const secrets: string[] = [CLIENT_SECRET, generated.key];
    const hmacSecret = 'an-hmac-secret-of-at-least-32-bytes!!';
    secrets.push(hmacSecret);

    const jwtAuth = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: [key.jwk], dpop: { origins: ['https://api.example'] } }))],
      logger,
    });
    const good = await sign(key);
    const expired = await sign(key, userClaims({ exp: 1 }));
    const tampered = `${good.slice(0, -4)}AAAA`;
    secrets.push(good, expired, tampered);
    expect((await jwtAuth.authenticate(bearer(good))).ok).toBe(true);
    expect((await jwtAuth.authenticate(bearer(expired))).ok).toBe(false);
    expect((await jwtAuth.authenticate(bearer(tampered))).ok).toBe(false);
    // DPoP: a good proof, and a proof for another URL.
    const client = await clientKey();
    const bound = await boundTo(key, client);
    const proof = await proofBy(client, bound);
    const wrongProof = await proofBy(client, bound, { htu: 'https://api.example/other' });
    secrets.push(bound, proof, wrongProof);
    expect((await jwtAuth.authenticate(dpopRequest(`DPoP ${bound}`, [proof]))).ok).toBe(true);
    expect((await jwtAuth.authenticate(dpopRequest(`DPoP ${bound}`, [wrongProof]))).ok).toBe(false);

    const keyAuth = createAuthenticator({ schemes: [apiKey({ store })], logger });
    const wrongKey = `${generated.key.slice(0, -3)}xyz`;
    secrets.push(wrongKey);
    const keyView = (k: string) =>
      nodeRequestView({
        method: 'GET',
        url: '/',
        rawHeaders: ['Host', 'api.example', 'X-Api-Key', k],
        socket: { encrypted: true },
      });
    expect((await keyAuth.authenticate(keyView(generated.key))).ok).toBe(true);
    expect((await keyAuth.authenticate(keyView(wrongKey))).ok).toBe(false);

    const opaque = createAuthenticator({
      schemes: [
        introspection({
          endpoint: `${server.origin}/introspect`,
          clientId: 'api',
          clientSecret: CLIENT_SECRET,
        }),
      ],
      logger,
    });
    secrets.push('opaque-good-token-abcdef', 'opaque-bad-token-ghijkl');
    expect((await opaque.authenticate(bearer('opaque-good-token-abcdef'))).ok).toBe(true);
    expect((await opaque.authenticate(bearer('opaque-bad-token-ghijkl'))).ok).toBe(false);

    const hmac = createAuthenticator({
      schemes: [
        jwt({
          issuer: 'https://issuer.example',
          audience: 'x',
          algorithms: ['HS256'],
          secret: hmacSecret,
        }),
      ],
      logger,
    });
    expect((await hmac.authenticate(bearer(tampered))).ok).toBe(false);

    const refusals = lines.filter((l) => l.level === 'debug');
    expect(refusals).toHaveLength(6);
    for (const line of refusals) {
      expect(line.message).toBe('authcore: request refused');
      expect(Object.keys(line.fields).sort()).toEqual(['code', 'reason', 'scheme', 'status']);
    }
    expect(refusals.map((l) => l.fields.code)).toEqual([
      'invalid_token',
      'invalid_token',
      'invalid_dpop_proof',
      'invalid_token',
      'invalid_token',
      'invalid_token',
    ]);
    const all = text();
    const parts = new Set<string>();
    for (const s of secrets) {
      parts.add(s);
      for (const segment of s.split(/[._]/)) if (segment.length >= 8) parts.add(segment);
    }
    parts.add(Buffer.from(`api:${CLIENT_SECRET}`).toString('base64'));
    for (const part of parts) expect(all).not.toContain(part);
  });

  it('one warning for a JWKS that fails, however many requests see it', async () => {
    const { logger, lines } = capture();
    const down = await startJwksServer([key.jwk]);
    down.status = 500;
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ jwksUri: down.url, jwks: { retryAfterFailureMs: 0 } }))],
      logger,
    });
    const token = await sign(key);
    for (let i = 0; i < 5; i++) expect((await auth.authenticate(bearer(token))).ok).toBe(false);
    await down.close();
    expect(down.hits).toBe(5);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      {
        level: 'warn',
        fields: { error: `Error: ${down.url} answered HTTP 500`, kind: 'jwks_fetch' },
        message:
          'authcore: a JWKS fetch failed: the last good keys serve for `staleIfErrorMs`, then tokens are refused with 503',
      },
    ]);
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(5);
  });

  it('a run of typ refusals with no success says which option to change, once', async () => {
    const { logger, lines } = capture();
    const auth = createAuthenticator({ schemes: [fixed('typ_mismatch')], logger });
    for (let i = 0; i < 19; i++) await auth.authenticate(bearer('bad'));
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    await auth.authenticate(bearer('bad'));
    const warnings = () => lines.filter((l) => l.level === 'warn');
    expect(warnings()).toEqual([
      {
        level: 'warn',
        fields: { reason: 'typ_mismatch', refusals: 20, kind: 'typ_mismatch' },
        message:
          'authcore: every token was refused for its typ header: set `typ` to what your provider sends (see docs/providers/README.md)',
      },
    ]);
    // Rate-limited: another run within the minute stays quiet.
    for (let i = 0; i < 40; i++) await auth.authenticate(bearer('bad'));
    expect(warnings()).toHaveLength(1);
  });

  it('no hint when successes come in between (a few bad tokens are not configuration)', async () => {
    const { logger, lines } = capture();
    const auth = createAuthenticator({ schemes: [fixed('audience_mismatch')], logger });
    for (let i = 0; i < 60; i++) {
      await auth.authenticate(bearer(i % 15 === 14 ? 'good' : 'bad'));
    }
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(56);
  });

  it('a store that is down: one warning, and a span with an error status', async () => {
    const { logger, lines } = capture();
    const o = otelHarness();
    const auth = createAuthenticator({
      schemes: [fixed('store_unavailable', 'temporarily_unavailable')],
      logger,
      telemetry: { tracer: o.tracer, meter: o.meter },
    });
    for (let i = 0; i < 3; i++) await auth.authenticate(bearer('bad'));
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        fields: { reason: 'store_unavailable', scheme: 'fixed', kind: 'store_unavailable' },
        message: 'authcore: the API key store is unavailable: keys are refused with 503',
      },
    ]);
    expect(o.spans()[0]!.status).toEqual({ code: 2, message: 'store_unavailable' });
    expect(o.spans()[0]!.attributes['http.response.status_code']).toBe(503);
    await o.shutdown();
  });

  it('a per-request logger (an adapter’s `request.log`) without one on the authenticator', async () => {
    const { logger, lines } = capture();
    const auth = createAuthenticator({ schemes: [fixed('token_expired')] });
    await auth.authenticate(bearer('bad'));
    await auth.authenticate(bearer('bad'), { logger });
    expect(lines).toEqual([
      {
        level: 'debug',
        fields: { reason: 'token_expired', code: 'invalid_token', status: 401, scheme: 'fixed' },
        message: 'authcore: request refused',
      },
    ]);
  });

  it('takes console as it is', async () => {
    const auth = createAuthenticator({ schemes: [fixed('token_expired')], logger: console });
    expect((await auth.authenticate(bearer('good'))).ok).toBe(true);
  });
});
