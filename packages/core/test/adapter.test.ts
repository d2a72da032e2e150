import {
  AuthError,
  adapterRequirement,
  adapterSetup,
  apiKey,
  authenticateFor,
  authenticateRequest,
  bindAuthenticator,
  createAuthenticator,
  forwardableError,
  forwardsErrors,
  generateApiKey,
  guardScopes,
  MemoryApiKeyStore,
  nodeRequestView,
} from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { bearer, jwtAuthenticator, sign, testKeys } from './fixtures.js';

describe('authenticateRequest', () => {
  it('answers a cached token and a memory-store API key without a promise, the rest with one', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const request = bearer(await sign(ES256));
    const first = authenticateRequest(auth, request);
    expect(first).toBeInstanceOf(Promise);
    expect((await first).ok).toBe(true);
    const again = authenticateRequest(auth, request, { require: { scopes: 'read:items' } });
    expect(again).not.toBeInstanceOf(Promise);
    expect('ok' in again && again.ok).toBe(true);
    // The same answers as `authenticate`, which always returns a promise.
    const denied = authenticateRequest(auth, request, { require: { scopes: 'admin' } });
    expect('ok' in denied && !denied.ok && denied.error.code).toBe('insufficient_scope');
    expect(auth.authenticate(request)).toBeInstanceOf(Promise);

    const malformed = authenticateRequest(auth, {
      method: 'GET',
      url: 'http://api.test/',
      headers: (name) => (name === 'authorization' ? ['Bearer a b'] : []),
    });
    expect('ok' in malformed && !malformed.ok && malformed.error.code).toBe('invalid_request');

    const { key, record } = await generateApiKey({ prefix: 'sk_test', owner: 'o', scopes: [] });
    const keys = createAuthenticator({
      schemes: [apiKey({ store: new MemoryApiKeyStore([record]) })],
    });
    const view = nodeRequestView({ rawHeaders: ['X-API-Key', key] });
    const outcome = authenticateRequest(keys, view);
    expect('ok' in outcome && outcome.ok && outcome.principal?.id).toBe(record.id);
  });

  it('falls back to `authenticate` for an authenticator made elsewhere', async () => {
    const { ES256 } = await testKeys();
    const inner = jwtAuthenticator({ keys: [ES256.jwk] });
    const wrapped = { ...inner, authenticate: inner.authenticate };
    const outcome = authenticateRequest(wrapped, bearer(await sign(ES256)));
    expect(outcome).toBeInstanceOf(Promise);
    expect((await outcome).ok).toBe(true);
  });
});

describe('authenticateFor', () => {
  it('binds the carrier, renders refusals and settles in the same tick when it can', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const request = bearer(await sign(ES256));
    const carrier = {};
    const seen: string[] = [];
    const first = authenticateFor(carrier, auth, request, undefined, (o) => {
      seen.push(o.ok ? `ok ${o.principal?.id}` : o.error.code);
      return 'settled';
    });
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe('settled');
    // Cached now: settled before authenticateFor returns.
    const again = authenticateFor(carrier, auth, request, { require: { scopes: 'admin' } }, (o) =>
      o.ok ? undefined : o.rendered,
    );
    expect(again).toEqual({
      status: 403,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'www-authenticate':
          'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="admin"',
      },
      body: '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
    });
    expect(seen).toEqual(['ok user-1']);
    // Bound: a later scope guard on the same carrier renders with this authenticator.
    expect(guardScopes(carrier, undefined, 'x')?.response.status).toBe(401);
  });
});

describe('adapter helpers', () => {
  it('guardScopes renders with the authenticator bound to the request', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const result = await auth.authenticate(bearer(await sign(ES256)));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const carrier = {};
    bindAuthenticator(carrier, auth);
    expect(guardScopes(carrier, result.principal, 'read:items')).toBeUndefined();
    expect(
      guardScopes(carrier, result.principal, { anyOf: ['nope', 'write:items'] }),
    ).toBeUndefined();
    const denied = guardScopes(carrier, result.principal, ['read:items', 'admin']);
    expect(denied?.error.code).toBe('insufficient_scope');
    expect(denied?.response.status).toBe(403);
    expect(denied?.response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="read:items admin"',
    );
  });

  it('guardScopes on an anonymous request is a bare 401', async () => {
    const carrier = {};
    bindAuthenticator(carrier, jwtAuthenticator({ keys: [(await testKeys()).ES256.jwk] }));
    const denied = guardScopes(carrier, undefined, 'x');
    expect(denied?.response.status).toBe(401);
    expect(denied?.response.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('guardScopes before authenticate is a programming error', () => {
    expect(() => guardScopes({}, undefined, 'x')).toThrow(/before `authenticate`/);
  });

  it('forwardableError carries the challenge for frameworks’ default error handlers', () => {
    const auth = jwtAuthenticator({ keys: [] });
    const error = new AuthError('use_dpop_nonce', {
      scheme: 'DPoP',
      headers: { 'dpop-nonce': 'n' },
    });
    const rendered = auth.render(error);
    const forwarded = forwardableError(error, rendered);
    expect(forwarded).toBeInstanceOf(AuthError);
    expect(forwarded.statusCode).toBe(401);
    expect(forwarded.expose).toBe(true);
    expect(forwarded.headers).toEqual({
      'cache-control': 'no-store',
      'www-authenticate': rendered.headers['www-authenticate'],
      'dpop-nonce': 'n',
    });
    expect(auth.render(forwarded)).toEqual(rendered);
  });
});

describe('adapterRequirement', () => {
  it('is undefined without policy, and carries scopes and step-up otherwise', () => {
    expect(adapterRequirement({ optional: true })).toBeUndefined();
    expect(adapterRequirement({ scopes: 'a', acr: ['mfa'], maxAge: 60 })).toEqual({
      scopes: 'a',
      acr: ['mfa'],
      maxAge: 60,
    });
  });
});

describe('adapterSetup', () => {
  const auth = jwtAuthenticator({ keys: [] });

  it('settles the error mode and the options of authenticate once', () => {
    expect(adapterSetup(auth)).toEqual({
      forward: false,
      authenticateOptions: { optional: false },
    });
    expect(
      adapterSetup(auth, { optional: true, errors: 'forward', acr: ['mfa'], maxAge: 300 }),
    ).toEqual({
      forward: true,
      authenticateOptions: { optional: true, require: { acr: ['mfa'], maxAge: 300 } },
    });
    expect(adapterSetup(auth, { scopes: 'a', errors: 'respond' }).authenticateOptions).toEqual({
      optional: false,
      require: { scopes: 'a' },
    });
  });

  it('refuses a missing authenticator and malformed options, naming the adapter', () => {
    expect(() => adapterSetup(undefined, {}, '@authcore/x')).toThrow(
      new TypeError(
        '@authcore/x: authenticate() needs an authenticator from createAuthenticator()',
      ),
    );
    expect(() => adapterSetup({}, {})).toThrow(TypeError);
    // @ts-expect-error not an error mode
    expect(() => adapterSetup(auth, { errors: 'throw' }, '@authcore/x')).toThrow(
      new TypeError("@authcore/x: `errors` must be 'respond' or 'forward', not throw"),
    );
    // @ts-expect-error a string, not a list
    expect(() => adapterSetup(auth, { acr: 'mfa' })).toThrow(/`acr`/);
    expect(() => adapterSetup(auth, { maxAge: -1 })).toThrow(/`maxAge`/);
    expect(() => adapterSetup(auth, { maxAge: Number.NaN })).toThrow(/`maxAge`/);
  });

  it('forwardsErrors validates the errors option of a scope guard', () => {
    expect(forwardsErrors(undefined)).toBe(false);
    expect(forwardsErrors('respond')).toBe(false);
    expect(forwardsErrors('forward')).toBe(true);
    expect(() => forwardsErrors('next', '@authcore/koa')).toThrow(/^@authcore\/koa: `errors`/);
  });
});
