import {
  createAuthenticator,
  jwt,
  protectedResourceMetadata,
  resourceMetadataHandler,
  resourceMetadataPath,
  resourceMetadataUrl,
} from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { bearer, jwtOptions, nodeView, testKeys } from './fixtures.js';

describe('RFC 9728 protected resource metadata', () => {
  it('lays the document out with the RFC member names', () => {
    const doc = protectedResourceMetadata({
      resource: 'https://api.example/v1',
      authorizationServers: ['https://issuer.example'],
      scopesSupported: ['orders:read', 'orders:write'],
      dpopSigningAlgValuesSupported: ['ES256', 'EdDSA'],
      dpopBoundAccessTokensRequired: false,
      resourceName: 'Orders API',
    });
    expect(JSON.stringify(doc)).toBe(
      '{"resource":"https://api.example/v1","authorization_servers":["https://issuer.example"],' +
        '"scopes_supported":["orders:read","orders:write"],"bearer_methods_supported":["header"],' +
        '"resource_name":"Orders API","dpop_signing_alg_values_supported":["ES256","EdDSA"],' +
        '"dpop_bound_access_tokens_required":false}',
    );
  });

  it('refuses a resource with a fragment', () => {
    expect(() => protectedResourceMetadata({ resource: 'https://api.example/#x' })).toThrow(
      TypeError,
    );
  });

  it('inserts the well-known segment between host and path (§3.1)', () => {
    expect(resourceMetadataUrl('https://api.example')).toBe(
      'https://api.example/.well-known/oauth-protected-resource',
    );
    expect(resourceMetadataUrl('https://api.example/v1/')).toBe(
      'https://api.example/.well-known/oauth-protected-resource/v1',
    );
    expect(resourceMetadataPath('https://api.example/mcp')).toBe(
      '/.well-known/oauth-protected-resource/mcp',
    );
  });

  it('puts resource_metadata in 401 challenges, not in 400 or 403', async () => {
    const { ES256 } = await testKeys();
    const url = 'https://api.example/.well-known/oauth-protected-resource';
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: [ES256.jwk] }))],
      render: { resourceMetadata: url },
    });
    const none = await auth.authenticate(nodeView(['Host', 'api.example']));
    expect(none.ok).toBe(false);
    if (!none.ok) {
      expect(auth.render(none.error).headers['www-authenticate']).toBe(
        `Bearer realm="api", resource_metadata="${url}"`,
      );
    }
    const bad = await auth.authenticate(bearer('a.b.c'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(auth.render(bad.error).headers['www-authenticate']).toBe(
        `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", resource_metadata="${url}"`,
      );
    }
    const malformed = await auth.authenticate(nodeView(['Authorization', 'Bearer a b']));
    expect(malformed.ok).toBe(false);
    if (!malformed.ok) {
      expect(auth.render(malformed.error).headers['www-authenticate']).not.toContain(
        'resource_metadata',
      );
    }
  });
});

describe('resourceMetadataHandler', () => {
  it('answers GET and HEAD on the plain and path-suffixed well-known paths only', () => {
    const handle = resourceMetadataHandler({
      resource: 'https://api.example/mcp',
      authorizationServers: ['https://as'],
    });
    const r = handle('GET', '/.well-known/oauth-protected-resource/mcp');
    expect(r?.status).toBe(200);
    expect(r?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r!.body)).toEqual({
      resource: 'https://api.example/mcp',
      authorization_servers: ['https://as'],
      bearer_methods_supported: ['header'],
    });
    expect(handle('HEAD', '/.well-known/oauth-protected-resource')).toBe(r);
    expect(handle('POST', '/.well-known/oauth-protected-resource')).toBeUndefined();
    expect(handle('GET', '/v1/orders')).toBeUndefined();
  });
});
