import { createAuthenticator, dpopProofVerifier, jwt, MemoryReplayStore } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtOptions, NOW, rendered, type TestKey, testKeys } from '../fixtures.js';
import {
  boundTo,
  type ClientKey,
  clientKey,
  dpopAuthenticator,
  dpopRequest,
  proofBy,
  proofFailure,
} from './helpers.js';

let ES256: TestKey;
let client: ClientKey;
beforeAll(async () => {
  ({ ES256 } = await testKeys());
  client = await clientKey();
});

describe('DPoP htu is checked against the origins the API is pinned to, never the Host header', () => {
  it('refuses a proof for another API even when the request names that API in Host', async () => {
    const auth = dpopAuthenticator(ES256);
    const token = await boundTo(ES256, client);
    for (const [htu, host, secure] of [
      ['http://other-api.example/v1/orders', 'other-api.example', false],
      ['https://other-api.example/v1/orders', 'other-api.example', true],
      ['http://api.example/v1/orders', 'api.example', false],
      ['https://api.example:8443/v1/orders', 'api.example:8443', true],
    ] as const) {
      const proof = await proofBy(client, token, { htu });
      const result = await auth.authenticate(
        dpopRequest(`DPoP ${token}`, [proof], { host, secure }),
      );
      expect({ htu, ...rendered(auth, result, 'dpop_htu_mismatch') }).toEqual({
        htu,
        ...proofFailure,
      });
    }
  });

  it('accepts a proof for a pinned origin whatever Host the proxy forwards', async () => {
    const auth = dpopAuthenticator(ES256, {
      origins: ['https://api.example', 'http://localhost:3000'],
    });
    const token = await boundTo(ES256, client);
    for (const [htu, host] of [
      ['https://api.example/v1/orders', '10.0.0.5:8080'],
      ['http://localhost:3000/v1/orders', 'localhost:3000'],
      ['https://API.example:443/v1/orders', 'anything'],
    ] as const) {
      const proof = await proofBy(client, token, { htu });
      const result = await auth.authenticate(
        dpopRequest(`DPoP ${token}`, [proof], { host, secure: false }),
      );
      expect({ htu, ok: result.ok }).toEqual({ htu, ok: true });
    }
    // The path still has to be the request's.
    const elsewhere = await proofBy(client, token, { htu: 'https://api.example/v1/other' });
    expect(
      rendered(
        auth,
        await auth.authenticate(dpopRequest(`DPoP ${token}`, [elsewhere])),
        'dpop_htu_mismatch',
      ),
    ).toEqual(proofFailure);
  });

  it('takes a predicate for many host names', async () => {
    const auth = dpopAuthenticator(ES256, {
      origins: (origin) => /^https:\/\/[a-z0-9-]+\.tenants\.example$/.test(origin),
    });
    const token = await boundTo(ES256, client);
    const ok = await proofBy(client, token, { htu: 'https://acme.tenants.example/v1/orders' });
    expect((await auth.authenticate(dpopRequest(`DPoP ${token}`, [ok]))).ok).toBe(true);
    const bad = await proofBy(client, token, { htu: 'https://evil.example/v1/orders' });
    const result = await auth.authenticate(
      dpopRequest(`DPoP ${token}`, [bad], { host: 'evil.example' }),
    );
    expect(rendered(auth, result, 'dpop_htu_mismatch')).toEqual(proofFailure);
  });

  it('jwt({ dpop }) needs origins, each an http(s) origin and nothing more', () => {
    const make = (dpop: unknown) =>
      createAuthenticator({
        schemes: [jwt(jwtOptions({ keys: [ES256.jwk], dpop: dpop as never }))],
      });
    expect(() => make(true)).toThrow(/dpop\.origins` is required/);
    expect(() => make({})).toThrow(/dpop\.origins` is required/);
    for (const origins of [
      [],
      ['api.example'],
      ['https://api.example/v1'],
      ['ftp://api.example'],
      ['https://api.example?x'],
      [7],
    ]) {
      expect(() => make({ origins })).toThrow(TypeError);
    }
    expect(() => make({ origins: ['https://api.example/'] })).not.toThrow();
    expect(() => make(false)).not.toThrow();
  });

  it('dpopProofVerifier (token endpoints) still compares the URL it is given, origins optional', async () => {
    const verify = dpopProofVerifier();
    const proof = await proofBy(client, '', {
      htu: 'https://as.example/token',
      htm: 'POST',
      ath: null,
    });
    const view = (url: string, p: string) => ({
      method: 'POST',
      url,
      headers: (n: string) => (n === 'dpop' ? [p] : []),
    });
    expect(await verify(view('https://as.example/token', proof), NOW)).toEqual({
      ok: true,
      jkt: client.jkt,
    });
    const other = await proofBy(client, '', {
      htu: 'https://as.example/token',
      htm: 'POST',
      ath: null,
    });
    const refused = await verify(view('https://elsewhere.example/token', other), NOW);
    expect(refused.ok).toBe(false);
  });

  it('dpopProofVerifier.check defers the jti claim to the caller, and claims once', async () => {
    const replay = new MemoryReplayStore({ now: () => NOW });
    const verify = dpopProofVerifier({ replay });
    const view = (p: string) => ({
      method: 'POST',
      url: 'https://as.example/token',
      headers: (n: string) => (n === 'dpop' ? [p] : []),
    });
    const proof = await proofBy(client, '', {
      htu: 'https://as.example/token',
      htm: 'POST',
      ath: null,
    });
    const checked = await verify.check(view(proof), NOW);
    if (!checked.ok) throw new Error('expected a checked proof');
    expect(replay.size).toBe(0);
    // A refused grant would stop here: nothing was claimed, so the client may send it again.
    const again = await verify.check(view(proof), NOW);
    if (!again.ok) throw new Error('expected a checked proof');
    expect(await again.claim()).toEqual({ ok: true, jkt: client.jkt });
    expect(await again.claim()).toEqual({ ok: true, jkt: client.jkt });
    const replayed = await checked.claim();
    expect(replayed.ok).toBe(false);
    if (!replayed.ok) expect(replayed.error.code).toBe('invalid_dpop_proof');
    expect((await verify(view(proof), NOW)).ok).toBe(false);
  });
});
