import { fileURLToPath } from 'node:url';
import { generateApiKey } from '@authcore/core';
import { type RunningExample, startExample } from '@authcore/example-shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));
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

describe('examples/hono as a real process', () => {
  it('serves the contract with the printed token and a seeded API key', async () => {
    expect((await fetch(`${example.url}/health`)).status).toBe(200);
    expect(example.token).toBeDefined();
    const bearer = { authorization: `Bearer ${example.token}` };
    const me = await fetch(`${example.url}/v1/me`, { headers: bearer });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'user', id: 'demo-user' });
    expect(
      (await fetch(`${example.url}/v1/orders`, { method: 'POST', headers: bearer })).status,
    ).toBe(201);
    const byKey = await fetch(`${example.url}/v1/orders`, { headers: { 'x-api-key': key } });
    expect(byKey.status).toBe(200);
    const denied = await fetch(`${example.url}/v1/orders`, {
      method: 'POST',
      headers: { 'x-api-key': key },
    });
    expect(denied.status).toBe(403);
    const anonymous = await fetch(`${example.url}/v1/me`);
    expect(anonymous.status).toBe(401);
    const rm = 'resource_metadata="https://api.test/.well-known/oauth-protected-resource"';
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", ${rm}, DPoP realm="api", ${rm}, ApiKey realm="api", ${rm}`,
    );
    const prm = await fetch(`${example.url}/.well-known/oauth-protected-resource`);
    expect(await prm.json()).toMatchObject({
      resource: 'https://api.test',
      bearer_methods_supported: ['header'],
    });
  });

  it('serves its RFC 9728 document and asks for step-up with resource_metadata', async () => {
    const { iss } = JSON.parse(Buffer.from(example.token!.split('.')[1]!, 'base64url').toString());
    const prm = await fetch(`${example.url}/.well-known/oauth-protected-resource`);
    expect(prm.status).toBe(200);
    expect(prm.headers.get('content-type')).toBe('application/json');
    expect(await prm.text()).toBe(
      `{"resource":"https://api.test","authorization_servers":["${iss}"],"scopes_supported":["orders:read","orders:write"],"bearer_methods_supported":["header"],"dpop_signing_alg_values_supported":["ES256","EdDSA","RS256","PS256"]}`,
    );
    const head = await fetch(`${example.url}/.well-known/oauth-protected-resource`, {
      method: 'HEAD',
    });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await fetch(`${example.url}/.well-known/oauth-protected-resource`, {
      method: 'POST',
    });
    expect(post.status).toBe(404);
    // The printed token has no `acr`: /v1/step-up wants mfa (RFC 9470).
    const stepUp = await fetch(`${example.url}/v1/step-up`, {
      headers: { authorization: `Bearer ${example.token}` },
    });
    expect(stepUp.status).toBe(401);
    expect(stepUp.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required", acr_values="mfa", resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
    );
  });
});
