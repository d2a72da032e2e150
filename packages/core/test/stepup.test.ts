import { authorize, createAuthenticator, jwt } from '@authcore/core';
import { describe, expect, it } from 'vitest';
import {
  bearer,
  jwtOptions,
  NOW,
  NOW_S,
  rendered,
  sign,
  testKeys,
  userClaims,
} from './fixtures.js';

describe('step-up authentication (RFC 9470)', () => {
  const principal = (acr?: string, authTime?: number) => ({
    scopes: new Set<string>(),
    acr,
    authTime: authTime === undefined ? undefined : new Date(authTime),
  });

  it('passes when acr is allowed and auth_time is recent', () => {
    expect(
      authorize(principal('mfa', NOW - 60_000), { acr: ['mfa'], maxAge: 300 }, NOW),
    ).toBeUndefined();
  });

  it('asks for acr_values when acr is missing or other', () => {
    for (const p of [principal(), principal('pwd')]) {
      const error = authorize(p, { acr: ['mfa', 'hwk'] }, NOW);
      expect(error?.code).toBe('insufficient_user_authentication');
      expect(error?.status).toBe(401);
      expect(error?.params).toEqual({ acr_values: 'mfa hwk' });
      expect(error?.reason).toBe('acr_mismatch');
    }
  });

  it('asks for max_age when authentication is too old or unknown', () => {
    expect(authorize(principal('mfa', NOW - 600_000), { maxAge: 300 }, NOW)?.params).toEqual({
      max_age: '300',
    });
    expect(authorize(principal('mfa'), { maxAge: 300 }, NOW)?.params).toEqual({ max_age: '300' });
  });

  it('asks for max_age when auth_time is in the future (beyond 5 s of leeway) or not a date', () => {
    for (const p of [
      principal('mfa', NOW + 60_000),
      principal('mfa', NOW + 5_001),
      principal('mfa', Number.NaN),
      { scopes: new Set<string>(), authTime: 'yesterday' as unknown as Date },
    ]) {
      const error = authorize(p, { maxAge: 300 }, NOW);
      expect(error?.code).toBe('insufficient_user_authentication');
      expect(error?.params).toEqual({ max_age: '300' });
      expect(error?.reason).toBe('auth_too_old');
    }
    expect(authorize(principal('mfa', NOW + 5_000), { maxAge: 300 }, NOW)).toBeUndefined();
    // Without maxAge, auth_time is not looked at.
    expect(authorize(principal('mfa', NOW + 60_000), { acr: ['mfa'] }, NOW)).toBeUndefined();
  });

  it('a token whose auth_time is in the future fails maxAge with the exact answer', async () => {
    const { ES256 } = await testKeys();
    const auth = createAuthenticator({ schemes: [jwt(jwtOptions({ keys: [ES256.jwk] }))] });
    // Step-up reads the real clock (verification the fixed NOW): an hour ahead of both.
    const future = Math.floor(Date.now() / 1000) + 3600;
    const token = await sign(ES256, userClaims({ acr: 'mfa', auth_time: future }));
    const result = await auth.authenticate(bearer(token), {
      require: { acr: ['mfa'], maxAge: 300 },
    });
    expect(rendered(auth, result, 'auth_too_old')).toEqual({
      status: 401,
      code: 'insufficient_user_authentication',
      wwwAuthenticate:
        'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required", max_age="300"',
      body: '{"error":"insufficient_user_authentication","error_description":"Stronger user authentication is required"}',
    });
  });

  it('renders both parameters in one challenge through the authenticator', async () => {
    const { ES256 } = await testKeys();
    const auth = createAuthenticator({ schemes: [jwt(jwtOptions({ keys: [ES256.jwk] }))] });
    const token = await sign(ES256, userClaims({ acr: 'pwd', auth_time: NOW_S - 3600 }));
    const result = await auth.authenticate(bearer(token), {
      require: { acr: ['mfa'], maxAge: 300 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const r = auth.render(result.error);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required", acr_values="mfa", max_age="300"',
    );
    const ok = await auth.authenticate(
      bearer(
        await sign(
          ES256,
          userClaims({ acr: 'mfa', auth_time: Math.floor(Date.now() / 1000) - 10 }),
        ),
      ),
      { require: { acr: ['mfa'], maxAge: 300 } },
    );
    // The token is verified at the fixed clock NOW but step-up uses the real clock: auth_time is recent.
    expect(ok.ok).toBe(true);
  });
});
