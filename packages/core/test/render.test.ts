import { AuthError, createAuthenticator, renderAuthError, type Scheme } from '@authcore/core';
import { describe, expect, it } from 'vitest';

const body = (code: string, description: string) =>
  `{"error":"${code}","error_description":"${description}"}`;

describe('renderAuthError', () => {
  it.each([
    [
      'invalid_request',
      400,
      'Bearer realm="api", error="invalid_request", error_description="The request is malformed"',
      'The request is malformed',
    ],
    [
      'invalid_token',
      401,
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      'The access token is invalid',
    ],
    [
      'invalid_dpop_proof',
      401,
      'Bearer realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid"',
      'The DPoP proof is invalid',
    ],
    [
      'use_dpop_nonce',
      401,
      'Bearer realm="api", error="use_dpop_nonce", error_description="A DPoP nonce is required"',
      'A DPoP nonce is required',
    ],
    [
      'insufficient_user_authentication',
      401,
      'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required"',
      'Stronger user authentication is required',
    ],
    [
      'temporarily_unavailable',
      503,
      'Bearer realm="api", error="temporarily_unavailable", error_description="Authentication is temporarily unavailable"',
      'Authentication is temporarily unavailable',
    ],
  ] as const)('%s: status %i and an exact challenge', (code, status, header, description) => {
    const r = renderAuthError(new AuthError(code));
    expect(r).toEqual({
      status,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'www-authenticate': header,
      },
      body: body(code, description),
    });
  });

  it('credentials_required: a bare challenge per scheme, no error attribute', () => {
    const r = renderAuthError(new AuthError('credentials_required'));
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(r.body).toBe(body('credentials_required', 'Authentication required'));
    expect(
      renderAuthError(new AuthError('credentials_required'), {
        schemes: ['Bearer', 'DPoP'],
        realm: 'shop',
      }).headers['www-authenticate'],
    ).toBe('Bearer realm="shop", DPoP realm="shop"');
  });

  it('insufficient_scope: 403 naming the scopes needed', () => {
    const r = renderAuthError(new AuthError('insufficient_scope', { scopes: ['read', 'write'] }));
    expect(r.status).toBe(403);
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="read write"',
    );
    expect(r.body).toBe(
      body('insufficient_scope', 'The access token does not have the required scope'),
    );
  });

  it('ApiKey challenges describe an API key, not an access token (still nothing about why)', () => {
    const invalid = renderAuthError(new AuthError('invalid_token', { scheme: 'ApiKey' }));
    expect(invalid).toEqual({
      status: 401,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'www-authenticate':
          'ApiKey realm="api", error="invalid_token", error_description="The API key is invalid"',
      },
      body: body('invalid_token', 'The API key is invalid'),
    });
    const scope = renderAuthError(
      new AuthError('insufficient_scope', { scheme: 'ApiKey', scopes: ['admin'] }),
    );
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe(
      'ApiKey realm="api", error="insufficient_scope", error_description="The API key does not have the required scope", scope="admin"',
    );
    expect(scope.body).toBe(
      body('insufficient_scope', 'The API key does not have the required scope'),
    );
    const problem = renderAuthError(new AuthError('invalid_token', { scheme: 'ApiKey' }), {
      problemJson: true,
    });
    expect(JSON.parse(problem.body)).toMatchObject({ detail: 'The API key is invalid' });
    // The codes that are not about the credential read the same under every scheme.
    expect(new AuthError('invalid_request', { scheme: 'ApiKey' }).description).toBe(
      'The request is malformed',
    );
    expect(new AuthError('temporarily_unavailable', { scheme: 'ApiKey' }).description).toBe(
      'Authentication is temporarily unavailable',
    );
  });

  it('a scheme that throws on an API key is answered with the API key description', async () => {
    const throwing: Scheme<{ id: string; scopes: ReadonlySet<string> }> = {
      name: 'throwing',
      sources: { apiKeyHeader: 'x-api-key' },
      challenge: 'ApiKey',
      accepts: () => true,
      verify: () => {
        throw new Error('boom');
      },
    };
    const auth = createAuthenticator({ schemes: [throwing] });
    const result = await auth.authenticate({
      method: 'GET',
      url: 'https://api.example/',
      headers: (name) => (name === 'x-api-key' ? ['sk_abc'] : []),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(auth.render(result.error).headers['www-authenticate']).toBe(
      'ApiKey realm="api", error="invalid_token", error_description="The API key is invalid"',
    );
  });

  it('keeps error_description and scope tokens to the RFC 6750 §3 charsets', () => {
    const r = renderAuthError(
      new AuthError('invalid_token', {
        description: 'bad "quote" \\ back\nslash é\u0000 ok!',
        scopes: ['a"b', 'c\\d', 'e f'],
      }),
    );
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="bad quote  backslash  ok!", scope="ab cd ef"',
    );
    // The JSON body is JSON: it keeps the description as given, escaped by JSON.stringify.
    expect(JSON.parse(r.body).error_description).toBe('bad "quote" \\ back\nslash é\u0000 ok!');
  });

  it('adds extra challenge params, quoted', () => {
    const r = renderAuthError(
      new AuthError('insufficient_user_authentication', {
        params: { acr_values: 'urn:mfa', max_age: '300' },
      }),
    );
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required", acr_values="urn:mfa", max_age="300"',
    );
  });

  it('resource_metadata (RFC 9728) on 401 challenges only', () => {
    const options = {
      resourceMetadata: 'https://api.example/.well-known/oauth-protected-resource',
    };
    expect(
      renderAuthError(new AuthError('credentials_required'), options).headers['www-authenticate'],
    ).toBe(
      'Bearer realm="api", resource_metadata="https://api.example/.well-known/oauth-protected-resource"',
    );
    expect(
      renderAuthError(new AuthError('invalid_token'), options).headers['www-authenticate'],
    ).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid", resource_metadata="https://api.example/.well-known/oauth-protected-resource"',
    );
    expect(
      renderAuthError(new AuthError('insufficient_scope', { scopes: ['a'] }), options).headers[
        'www-authenticate'
      ],
    ).not.toContain('resource_metadata');
  });

  it('application/problem+json (RFC 9457) when opted in', () => {
    const r = renderAuthError(new AuthError('invalid_token'), { problemJson: true });
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body).toBe(
      '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"The access token is invalid","error":"invalid_token"}',
    );
    const forbidden = renderAuthError(new AuthError('insufficient_scope'), { problemJson: true });
    expect(JSON.parse(forbidden.body)).toMatchObject({ title: 'Forbidden', status: 403 });
  });

  it('never shows the cause', () => {
    const r = renderAuthError(
      new AuthError('invalid_token', { cause: new Error('signature failed for kid k1') }),
    );
    expect(JSON.stringify(r)).not.toContain('k1');
  });
});

describe('authenticator.render', () => {
  const scheme: Scheme<{ scopes: Set<string> }> = {
    name: 'none',
    challenge: 'Bearer',
    accepts: () => true,
    verify: async () => ({ ok: false, error: new AuthError('invalid_token') }),
  };

  it('uses the configured realm, resource metadata and problem+json', () => {
    const auth = createAuthenticator({
      schemes: [scheme],
      render: { realm: 'shop', resourceMetadata: 'https://api.example/rm', problemJson: true },
    });
    const r = auth.render(new AuthError('credentials_required'));
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="shop", resource_metadata="https://api.example/rm"',
    );
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(auth.schemes).toEqual(['none']);
  });
});
