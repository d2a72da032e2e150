import { entra } from '@authcore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accepted,
  INVALID_TOKEN,
  insufficientScope,
  mint,
  NOW_S,
  type Provider,
  profileAuthenticator,
  refused,
  startProvider,
} from './provider.js';

// Shapes from Microsoft's "Access token claims reference": header { typ: JWT, alg: RS256, kid }
// (v1.0 adds x5t), v2.0 claims aud (the API's client ID), iss, tid, oid, azp, a space-separated
// scp, roles; v1.0 iss https://sts.windows.net/{tid}/, appid, aud the App ID URI.
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const API_CLIENT = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
const KID = 'nOo3ZDrODXEK1jKWhXslHR_KXEg';
const V2_ISS = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1_ISS = `https://sts.windows.net/${TENANT}/`;
let provider: Provider;

const header = { typ: 'JWT', alg: 'RS256', kid: KID };
const v2 = (extra: Record<string, unknown> = {}) => ({
  aud: API_CLIENT,
  iss: V2_ISS,
  iat: NOW_S - 60,
  nbf: NOW_S - 60,
  exp: NOW_S + 3600,
  azp: '2d4d11a2-f814-46a7-890a-274a72a7309e',
  azpacr: '0',
  name: 'Abe Lincoln',
  oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
  preferred_username: 'abeli@microsoft.com',
  scp: 'Files.Read Files.ReadWrite',
  sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
  tid: TENANT,
  uti: 'fqiBqXLPj0eQa82S-IYFAA',
  ver: '2.0',
  ...extra,
});

beforeAll(async () => {
  provider = await startProvider(
    'https://login.microsoftonline.com',
    KID,
    (jwks) => ({
      [`/${TENANT}/discovery/v2.0/keys`]: jwks,
      [`/${TENANT}/discovery/keys`]: jwks,
    }),
    // Entra's keys carry kty, use, kid, x5t, n, e, x5c, and no `alg`.
    ({ alg: _alg, ...jwk }) => ({ ...jwk, x5t: KID }),
  );
});
afterAll(() => provider.close());

describe('entra()', () => {
  it('sets the tenant issuer, its keys, RS256, typ JWT, tid and the audience', () => {
    expect(entra({ tenantId: TENANT.toUpperCase(), audience: API_CLIENT })).toMatchObject({
      issuer: V2_ISS,
      audience: API_CLIENT,
      algorithms: ['RS256'],
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      typ: 'JWT',
      claimValues: { tid: TENANT },
    });
    expect(entra({ tenantId: TENANT, audience: 'api://x', version: '1.0' })).toMatchObject({
      issuer: V1_ISS,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/keys`,
    });
  });

  it('accepts a v2.0 delegated token: scopes from scp, client from azp, roles', async () => {
    const auth = profileAuthenticator(entra({ tenantId: TENANT, audience: API_CLIENT }), provider);
    const token = await mint(provider.key, header, v2({ roles: ['Reader'] }));
    const p = await accepted(auth, token, { require: { scopes: 'Files.Read' } });
    expect(p).toMatchObject({
      kind: 'user',
      id: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
      clientId: '2d4d11a2-f814-46a7-890a-274a72a7309e',
      issuer: V2_ISS,
    });
    expect([...p.scopes]).toEqual(['Files.Read', 'Files.ReadWrite']);
    expect([...p.roles]).toEqual(['Reader']);
    expect(provider.fetched).toContain(
      `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    );
    expect(
      await refused(auth, token, { reason: 'scope_missing', require: { scopes: 'Mail.Send' } }),
    ).toMatchObject(insufficientScope('Mail.Send'));
  });

  it('an app-only token (roles, no scp) is a service; its permissions are roles', async () => {
    const auth = profileAuthenticator(entra({ tenantId: TENANT, audience: API_CLIENT }), provider);
    const token = await mint(
      provider.key,
      header,
      v2({ scp: undefined, roles: ['Files.Read.All'], idtyp: 'app', sub: 'sp-oid' }),
    );
    const p = await accepted(auth, token, {
      require: {
        check: (principal) => principal.scheme === 'jwt' && principal.roles.has('Files.Read.All'),
      },
    });
    expect(p.kind).toBe('service');
    expect(p.scopes.size).toBe(0);
  });

  it('accepts a v1.0 token (sts.windows.net issuer, App ID URI audience, appid)', async () => {
    const auth = profileAuthenticator(
      entra({ tenantId: TENANT, audience: 'api://my-api', version: '1.0' }),
      provider,
    );
    const token = await mint(
      provider.key,
      { ...header, x5t: KID },
      v2({ iss: V1_ISS, aud: 'api://my-api', azp: undefined, appid: 'app-1', ver: '1.0' }),
    );
    expect(await accepted(auth, token)).toMatchObject({ clientId: 'app-1', issuer: V1_ISS });
  });

  it('refuses a token from another tenant, even signed with a key we trust', async () => {
    const auth = profileAuthenticator(entra({ tenantId: TENANT, audience: API_CLIENT }), provider);
    const otherIss = `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`;
    const foreign = await mint(provider.key, header, v2({ iss: otherIss, tid: OTHER_TENANT }));
    expect(await refused(auth, foreign, { reason: 'issuer_mismatch' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ claim: 'iss' }),
    });
    // Our issuer but another tenant's `tid`: refused too.
    const mixed = await mint(provider.key, header, v2({ tid: OTHER_TENANT }));
    expect(await refused(auth, mixed, { reason: 'claim_invalid' })).toEqual({
      ...INVALID_TOKEN,
      code: 'invalid_token',
      reason: expect.objectContaining({ message: `tid is not ${TENANT}` }),
    });
  });

  it('refuses a v1.0 token where v2.0 is configured, another audience, and typ at+jwt', async () => {
    const auth = profileAuthenticator(entra({ tenantId: TENANT, audience: API_CLIENT }), provider);
    const v1 = await mint(provider.key, header, v2({ iss: V1_ISS }));
    expect(await refused(auth, v1, { reason: 'issuer_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'iss' },
    });
    const graph = await mint(
      provider.key,
      header,
      v2({ aud: '00000003-0000-0000-c000-000000000000' }),
    );
    expect(await refused(auth, graph, { reason: 'audience_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'aud' },
    });
    const typed = await mint(provider.key, { ...header, typ: 'at+jwt' }, v2());
    expect(await refused(auth, typed, { reason: 'typ_mismatch' })).toMatchObject({
      ...INVALID_TOKEN,
      reason: { claim: 'typ' },
    });
  });

  it('refuses multi-tenant aliases and a bad version', () => {
    for (const tenantId of ['common', 'organizations', 'consumers', 'contoso.onmicrosoft.com', ''])
      expect(() => entra({ tenantId, audience: API_CLIENT })).toThrow(TypeError);
    expect(() => entra({ tenantId: TENANT, audience: API_CLIENT, version: '3' as never })).toThrow(
      /version/,
    );
  });
});
