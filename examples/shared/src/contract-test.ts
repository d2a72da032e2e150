import { generateApiKey } from '@authcore/core';
import { createTestIssuer, sendConformanceRequest, type TestIssuer } from '@authcore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExample, startExample } from './spawn.js';

const RM = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';

/**
 * The examples' contract, checked on a real process: every example's test is this one call, so
 * the five examples are held to exactly the same routes, statuses and headers.
 */
export function describeExampleContract(name: string, dir: string): void {
  let example: RunningExample;
  let key: string;

  beforeAll(async () => {
    key = (await generateApiKey({ prefix: 'sk_test', owner: 'ci' })).key;
    example = await startExample(dir, {
      AUTHCORE_API_KEYS: key,
      AUTHCORE_API_KEY_SCOPES: 'orders:read',
    });
  });
  afterAll(() => example?.stop());

  describe(`examples/${name} as a real process`, () => {
    it('serves the contract with the printed token and a seeded API key', async () => {
      expect((await fetch(`${example.url}/health`)).status).toBe(200);
      expect(example.token).toBeDefined();
      const bearer = { authorization: `Bearer ${example.token}` };
      const me = await fetch(`${example.url}/v1/me`, { headers: bearer });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ kind: 'user', id: 'demo-user' });
      const created = await fetch(`${example.url}/v1/orders`, { method: 'POST', headers: bearer });
      expect(created.status).toBe(201);
      const byKey = await fetch(`${example.url}/v1/orders`, { headers: { 'x-api-key': key } });
      expect(byKey.status).toBe(200);
      const denied = await fetch(`${example.url}/v1/orders`, {
        method: 'POST',
        headers: { 'x-api-key': key },
      });
      expect(denied.status).toBe(403);
      const optional = await fetch(`${example.url}/v1/optional`);
      expect(await optional.json()).toEqual({ authenticated: false });
      const anonymous = await fetch(`${example.url}/v1/me`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toBe('application/json');
      expect(anonymous.headers.get('www-authenticate')).toBe(
        `Bearer realm="api", ${RM}, DPoP realm="api", ${RM}, ApiKey realm="api", ${RM}`,
      );
    });

    it('serves its RFC 9728 document and asks for step-up with resource_metadata', async () => {
      const { iss } = JSON.parse(
        Buffer.from(example.token!.split('.')[1]!, 'base64url').toString(),
      );
      const url = `${example.url}/.well-known/oauth-protected-resource`;
      const prm = await fetch(url);
      expect(prm.status).toBe(200);
      expect(prm.headers.get('content-type')).toBe('application/json');
      expect(await prm.text()).toBe(
        `{"resource":"https://api.test","authorization_servers":["${iss}"],"scopes_supported":["orders:read","orders:write"],"bearer_methods_supported":["header"],"dpop_signing_alg_values_supported":["ES256","EdDSA","Ed25519","RS256","PS256"]}`,
      );
      const head = await fetch(url, { method: 'HEAD' });
      expect([head.status, await head.text()]).toEqual([200, '']);
      expect((await fetch(url, { method: 'POST' })).status).toBe(404);
      // The printed token has no `acr`: /v1/step-up wants mfa (RFC 9470).
      const stepUp = await fetch(`${example.url}/v1/step-up`, {
        headers: { authorization: `Bearer ${example.token}` },
      });
      expect(stepUp.status).toBe(401);
      expect(stepUp.headers.get('www-authenticate')).toBe(
        `Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required", acr_values="mfa", ${RM}`,
      );
    });
  });

  describe(`examples/${name}: DPoP proofs name the origins it is served at`, () => {
    const PUBLIC = 'https://api.public.example';
    let issuer: TestIssuer;
    let dpopExample: RunningExample;
    beforeAll(async () => {
      issuer = await createTestIssuer();
      dpopExample = await startExample(dir, {
        AUTHCORE_ISSUER: issuer.issuer,
        AUTHCORE_AUDIENCE: issuer.audience,
        AUTHCORE_JWKS_URI: issuer.jwksUri,
        AUTHCORE_PUBLIC_ORIGIN: PUBLIC,
      });
    });
    afterAll(async () => {
      await dpopExample?.stop();
      await issuer?.close();
    });

    it('accepts 127.0.0.1:$PORT, localhost:$PORT and AUTHCORE_PUBLIC_ORIGIN; refuses another API named in Host', async () => {
      const holder = await issuer.createDpopKey();
      const token = await issuer.issueToken({
        sub: 'dpop-user',
        scope: 'orders:read',
        cnf: { jkt: holder.jkt },
      });
      const port = new URL(dpopExample.url).port;
      const send = (htu: string, host?: string) =>
        sendConformanceRequest(dpopExample.url, {
          method: 'GET',
          path: '/v1/me',
          headers: [['authorization', `DPoP ${token}`], ...(host ? [['host', host] as const] : [])],
          proof: () => holder.proof(token, { htu, htm: 'GET' }),
        });
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, PUBLIC]) {
        const ok = await send(`${origin}/v1/me`);
        expect({ origin, status: ok.status }).toEqual({ origin, status: 200 });
      }
      const refused = await send('http://other-api.example/v1/me', 'other-api.example');
      expect({
        status: refused.status,
        wwwAuthenticate: refused.wwwAuthenticate,
        body: refused.body,
      }).toEqual({
        status: 401,
        wwwAuthenticate: `DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256 EdDSA Ed25519 RS256 PS256", ${RM}`,
        body: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' },
      });
    });
  });
}
