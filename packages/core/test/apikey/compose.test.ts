import {
  type ApiKeyPrincipal,
  apiKey,
  createAuthenticator,
  generateApiKey,
  type InferPrincipal,
  type JwtPrincipal,
  jwt,
  MemoryApiKeyStore,
  nodeRequestView,
} from '@authcore/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { withHeaders } from './helpers.js';

const ISSUER = 'https://issuer.example.com/';
const AUDIENCE = 'https://api.example.com';

let token: string;
let key: string;
let auth: ReturnType<typeof build>;

const build = (store: MemoryApiKeyStore, publicJwk: object, bearer = false) =>
  createAuthenticator({
    schemes: [
      jwt({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], keys: publicJwk }),
      apiKey({ store, bearer }),
    ],
  });

let store: MemoryApiKeyStore;
let publicJwk: object;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  token = await new SignJWT({ scope: 'orders:read', client_id: 'web' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user-42')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  store = new MemoryApiKeyStore();
  const generated = await generateApiKey({
    prefix: 'sk_live',
    owner: 'acme',
    scopes: 'orders:read',
  });
  key = generated.key;
  await store.create(generated.record);
  auth = build(store, publicJwk);
});

describe('JWT or API key', () => {
  it('types the principal as either kind', () => {
    expectTypeOf<InferPrincipal<typeof auth>>().toEqualTypeOf<JwtPrincipal | ApiKeyPrincipal>();
    const keysOnly = createAuthenticator({ schemes: [apiKey({ store: new MemoryApiKeyStore() })] });
    expectTypeOf<InferPrincipal<typeof keysOnly>>().toEqualTypeOf<ApiKeyPrincipal>();
  });

  it('accepts either credential', async () => {
    const byJwt = await auth.authenticate(withHeaders({ authorization: `Bearer ${token}` }));
    expect(byJwt.ok && [byJwt.principal.scheme, byJwt.principal.kind, byJwt.principal.id]).toEqual([
      'jwt',
      'user',
      'user-42',
    ]);
    const byKey = await auth.authenticate(withHeaders({ 'x-api-key': key }));
    expect(byKey.ok && [byKey.principal.scheme, byKey.principal.kind]).toEqual([
      'apiKey',
      'application',
    ]);
    // Both satisfy the same scope requirement.
    const both: Record<string, string>[] = [
      { authorization: `Bearer ${token}` },
      { 'x-api-key': key },
    ];
    for (const headers of both) {
      const r = await auth.authenticate(withHeaders(headers), {
        require: { scopes: 'orders:read' },
      });
      expect(r.ok).toBe(true);
    }
  });

  it('offers both challenges when no credential is sent', async () => {
    const r = await auth.authenticate(withHeaders({}));
    expect(!r.ok && auth.render(r.error).headers['www-authenticate']).toBe(
      'Bearer realm="api", ApiKey realm="api"',
    );
  });

  it('refuses a request carrying both as invalid_request (400)', async () => {
    for (const view of [
      withHeaders({ authorization: `Bearer ${token}`, 'x-api-key': key }),
      nodeRequestView({ rawHeaders: ['Authorization', `Bearer ${token}`, 'X-API-Key', key] }),
    ]) {
      const r = await auth.authenticate(view);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('invalid_request');
      expect(auth.render(r.error).status).toBe(400);
    }
  });

  it('never validates an API key sent as Bearer unless bearer: true', async () => {
    const r = await auth.authenticate(withHeaders({ authorization: `Bearer ${key}` }));
    expect(!r.ok && [r.error.code, auth.render(r.error).status]).toEqual(['invalid_token', 401]);
    const withBearer = build(store, publicJwk, true);
    const ok = await withBearer.authenticate(withHeaders({ authorization: `Bearer ${key}` }));
    expect(ok.ok && ok.principal.scheme).toBe('apiKey');
    // The JWT still goes to the JWT scheme.
    const byJwt = await withBearer.authenticate(withHeaders({ authorization: `Bearer ${token}` }));
    expect(byJwt.ok && byJwt.principal.scheme).toBe('jwt');
  });

  it('never validates a JWT sent in the API key header', async () => {
    const r = await auth.authenticate(withHeaders({ 'x-api-key': token }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_token');
    expect(auth.render(r.error).headers['www-authenticate']).toBe(
      'ApiKey realm="api", error="invalid_token", error_description="The API key is invalid"',
    );
  });
});
