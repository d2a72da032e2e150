import {
  AuthError,
  apiKey,
  createAuthenticator,
  generateApiKey,
  MemoryApiKeyStore,
  nodeRequestView,
} from '@authcore/core';
import {
  type AdapterOutcome,
  adapterSetup,
  authenticateFor,
  forwardsErrors,
  guardScopes,
} from '@authcore/core/adapter';
import { describe, expect, it } from 'vitest';
import { bearer, jwtAuthenticator, sign, testKeys } from './fixtures.js';

const ANONYMOUS = { method: 'GET', url: 'http://api.test/', headers: () => [] };
const same = <P>(o: AdapterOutcome<P>) => o;
const INSUFFICIENT_ADMIN = {
  status: 403,
  headers: {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'www-authenticate':
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="admin"',
  },
  body: '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
};

describe('authenticateFor', () => {
  it('answers a cached token, a malformed header and a memory-store API key in the same tick', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const request = bearer(await sign(ES256));
    const first = authenticateFor(adapterSetup(auth), {}, request, same);
    expect(first).toBeInstanceOf(Promise);
    expect((await first).ok).toBe(true);
    const again = authenticateFor(adapterSetup(auth, { scopes: 'read:items' }), {}, request, same);
    expect(again).not.toBeInstanceOf(Promise);
    expect('ok' in again && again.ok).toBe(true);
    // `authenticate` itself always returns a promise.
    expect(auth.authenticate(request)).toBeInstanceOf(Promise);

    const malformed = authenticateFor(
      adapterSetup(auth),
      {},
      {
        method: 'GET',
        url: 'http://api.test/',
        headers: (name: string) => (name === 'authorization' ? ['Bearer a b'] : []),
      },
      same,
    );
    expect('ok' in malformed && !malformed.ok && malformed.error.code).toBe('invalid_request');

    const { key, record } = await generateApiKey({ prefix: 'sk_test', owner: 'o', scopes: [] });
    const keys = createAuthenticator({
      schemes: [apiKey({ store: new MemoryApiKeyStore([record]) })],
    });
    const view = nodeRequestView({ rawHeaders: ['X-API-Key', key] });
    const outcome = authenticateFor(adapterSetup(keys), {}, view, same);
    expect('ok' in outcome && outcome.ok && outcome.principal?.id).toBe(record.id);
  });

  it('keeps the same-tick path for a copy of the authenticator (`{ ...authenticator }`)', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const request = bearer(await sign(ES256));
    await auth.authenticate(request);
    const copy = { ...auth };
    const outcome = authenticateFor(adapterSetup(copy), {}, request, same);
    expect(outcome).not.toBeInstanceOf(Promise);
    expect('ok' in outcome && outcome.ok && outcome.principal?.id).toBe('user-1');
  });

  it('goes through an `authenticate` of yours, with its promise, never around it', async () => {
    const { ES256 } = await testKeys();
    const inner = jwtAuthenticator({ keys: [ES256.jwk] });
    const request = bearer(await sign(ES256));
    await inner.authenticate(request);
    const calls: string[] = [];
    const wrapped = {
      ...inner,
      authenticate: ((view, options) => {
        calls.push(view.url);
        return inner.authenticate(view, options);
      }) as typeof inner.authenticate,
    };
    const outcome = authenticateFor(adapterSetup(wrapped), {}, request, same);
    expect(outcome).toBeInstanceOf(Promise);
    expect((await outcome).ok).toBe(true);
    expect(calls).toEqual([request.url]);
  });

  it('hands refusals rendered, and forwardable with errors: forward', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const request = bearer(await sign(ES256));
    await auth.authenticate(request);
    const refused = authenticateFor(adapterSetup(auth, { scopes: 'admin' }), {}, request, same);
    expect(refused).toEqual({
      ok: false,
      forward: false,
      error: expect.any(AuthError),
      response: INSUFFICIENT_ADMIN,
    });
    const forwarded = authenticateFor(
      adapterSetup(auth, { scopes: 'admin', errors: 'forward' }),
      {},
      request,
      same,
    );
    if ('then' in forwarded || forwarded.ok) throw new Error('expected a refusal now');
    expect(forwarded.forward).toBe(true);
    expect(forwarded.response).toEqual(INSUFFICIENT_ADMIN);
    expect(forwarded.error).toBeInstanceOf(AuthError);
    expect(forwarded.error.code).toBe('insufficient_scope');
    expect(forwarded.error.statusCode).toBe(403);
    expect(forwarded.error.expose).toBe(true);
    // What Express's, Koa's and Fastify's default handlers send besides the status.
    const { 'content-type': _, ...headers } = INSUFFICIENT_ADMIN.headers;
    expect(forwarded.error.headers).toEqual(headers);
    expect(auth.render(forwarded.error)).toEqual(INSUFFICIENT_ADMIN);
  });

  it('binds the carrier: a later scope guard renders with this authenticator', async () => {
    const { ES256 } = await testKeys();
    const auth = jwtAuthenticator({ keys: [ES256.jwk] });
    const carrier = {};
    const outcome = await authenticateFor(
      adapterSetup(auth),
      carrier,
      bearer(await sign(ES256)),
      same,
    );
    if (!outcome.ok) throw new Error('expected a principal');
    expect(guardScopes(carrier, outcome.principal, 'read:items')).toBeUndefined();
    expect(guardScopes(carrier, outcome.principal, { anyOf: ['nope', 'write:items'] })).toBe(
      undefined,
    );
    const denied = guardScopes(carrier, outcome.principal, ['read:items', 'admin']);
    expect(denied?.error.code).toBe('insufficient_scope');
    expect(denied?.forward).toBe(false);
    expect(denied?.response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="read:items admin"',
    );
    const forwarded = guardScopes(carrier, outcome.principal, 'admin', true);
    expect(forwarded?.forward).toBe(true);
    expect(forwarded?.error.headers['www-authenticate']).toBe(
      INSUFFICIENT_ADMIN.headers['www-authenticate'],
    );
  });
});

describe('guardScopes', () => {
  it('is a bare 401 on an anonymous request', async () => {
    const auth = jwtAuthenticator({ keys: [(await testKeys()).ES256.jwk] });
    const carrier = {};
    await authenticateFor(adapterSetup(auth, { optional: true }), carrier, ANONYMOUS, same);
    const denied = guardScopes(carrier, undefined, 'x');
    expect(denied?.response.status).toBe(401);
    expect(denied?.response.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('before authenticate is a programming error', () => {
    expect(() => guardScopes({}, undefined, 'x')).toThrow(/before `authenticate`/);
  });
});

describe('adapterSetup', () => {
  const auth = jwtAuthenticator({ keys: [] });

  it('settles the error mode and the options of authenticate once', () => {
    expect(adapterSetup(auth)).toMatchObject({
      authenticator: auth,
      forward: false,
      authenticateOptions: { optional: false },
    });
    expect(adapterSetup(auth).authenticateOptions).toEqual({ optional: false });
    const stepUp = adapterSetup(auth, {
      optional: true,
      errors: 'forward',
      acr: ['mfa'],
      maxAge: 300,
    });
    expect(stepUp.forward).toBe(true);
    expect(stepUp.authenticateOptions).toEqual({
      optional: true,
      require: { acr: ['mfa'], maxAge: 300 },
    });
    expect(adapterSetup(auth, { scopes: 'a', errors: 'respond' }).authenticateOptions).toEqual({
      optional: false,
      require: { scopes: 'a' },
    });
  });

  it('refuses a missing authenticator and malformed options, naming the adapter', () => {
    // @ts-expect-error not an authenticator
    expect(() => adapterSetup(undefined, {}, '@authcore/x')).toThrow(
      new TypeError(
        '@authcore/x: authenticate() needs an authenticator from createAuthenticator()',
      ),
    );
    // @ts-expect-error not an authenticator
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
