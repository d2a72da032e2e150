import {
  AuthError,
  apiKey,
  createAuthenticator,
  generateApiKey,
  jwt,
  MemoryApiKeyStore,
  type RenderOptions,
  renderAuthError,
} from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  jwtOptions,
  nodeView,
  rendered,
  sign,
  type TestKey,
  testKeys,
  userClaims,
} from './fixtures.js';

// MCP authorization: 401 challenges SHOULD name the scopes to ask for, and step-up answers must
// not make a client that replaces its scope lose what it had.
let key: TestKey;
beforeAll(async () => {
  key = (await testKeys()).ES256;
});

const RM = 'resource_metadata="https://api.example/.well-known/oauth-protected-resource"';
const render = (extra: RenderOptions) => ({
  resourceMetadata: 'https://api.example/.well-known/oauth-protected-resource',
  ...extra,
});
const auth = (options: RenderOptions) =>
  createAuthenticator({ schemes: [jwt(jwtOptions({ keys: key.jwk }))], render: render(options) });
const anonymous = () => nodeView(['Host', 'api.example']);
const INVALID =
  'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"';
const INSUFFICIENT =
  'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope"';

describe('renderAuthError: challengeScopes', () => {
  it('off by default: no scope in 401s, as before', () => {
    expect(renderAuthError(new AuthError('credentials_required')).headers['www-authenticate']).toBe(
      'Bearer realm="api"',
    );
    expect(renderAuthError(new AuthError('invalid_token')).headers['www-authenticate']).toBe(
      INVALID,
    );
  });

  it('a default list: in the bare challenge of every scheme and in invalid_token', () => {
    const options: RenderOptions = {
      challengeScopes: ['mcp:tools', 'profile'],
      schemes: ['Bearer', 'DPoP'],
      resourceMetadata: 'https://api.example/rm',
    };
    expect(
      renderAuthError(new AuthError('credentials_required'), options).headers['www-authenticate'],
    ).toBe(
      'Bearer realm="api", scope="mcp:tools profile", resource_metadata="https://api.example/rm", DPoP realm="api", scope="mcp:tools profile", resource_metadata="https://api.example/rm"',
    );
    expect(
      renderAuthError(new AuthError('invalid_token'), options).headers['www-authenticate'],
    ).toBe(`${INVALID}, scope="mcp:tools profile", resource_metadata="https://api.example/rm"`);
  });

  it('the error’s own scopes win over the default; other codes never get the default', () => {
    const options: RenderOptions = { challengeScopes: ['mcp:tools'] };
    expect(
      renderAuthError(new AuthError('credentials_required', { scopes: ['a', 'b'] }), options)
        .headers['www-authenticate'],
    ).toBe('Bearer realm="api", scope="a b"');
    expect(
      renderAuthError(new AuthError('insufficient_user_authentication'), options).headers[
        'www-authenticate'
      ],
    ).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="Stronger user authentication is required"',
    );
    expect(
      renderAuthError(new AuthError('invalid_request'), options).headers['www-authenticate'],
    ).toBe(
      'Bearer realm="api", error="invalid_request", error_description="The request is malformed"',
    );
  });

  it('keeps scope tokens to the RFC 6750 §3 charset in the bare challenge too', () => {
    expect(
      renderAuthError(new AuthError('credentials_required'), {
        challengeScopes: ['mcp:"tools"\\', 'ok'],
      }).headers['www-authenticate'],
    ).toBe('Bearer realm="api", scope="mcp:tools ok"');
  });
});

describe('authenticator: challengeScopes', () => {
  it('true: a bare 401 on a route with scopes names them', async () => {
    const a = auth({ challengeScopes: true });
    const result = await a.authenticate(anonymous(), { require: { scopes: 'mcp:tools files' } });
    expect(rendered(a, result, 'credentials_missing')).toEqual({
      status: 401,
      code: 'credentials_required',
      wwwAuthenticate: `Bearer realm="api", scope="mcp:tools files", ${RM}`,
      body: '{"error":"credentials_required","error_description":"Authentication required"}',
    });
  });

  it('true: an invalid (expired) token on a route with scopes names them', async () => {
    const a = auth({ challengeScopes: true });
    const expired = await sign(key, userClaims({ exp: 1, iat: 0 }));
    const result = await a.authenticate(bearer(expired), {
      require: { scopes: ['mcp:tools'] },
    });
    expect(rendered(a, result, 'token_expired')).toEqual({
      status: 401,
      code: 'invalid_token',
      wwwAuthenticate: `${INVALID}, scope="mcp:tools", ${RM}`,
      body: '{"error":"invalid_token","error_description":"The access token is invalid"}',
    });
  });

  it('true: a token for another resource (route audience) names the route scopes', async () => {
    const a = auth({ challengeScopes: true });
    const token = await sign(key, userClaims({ scope: 'mcp:tools' }));
    const result = await a.authenticate(bearer(token), {
      require: { scopes: 'mcp:tools', audience: 'https://other.example' },
    });
    expect(rendered(a, result, 'audience_mismatch').wwwAuthenticate).toBe(
      `${INVALID}, scope="mcp:tools", ${RM}`,
    );
  });

  it('{ anyOf }: each scope that would do', async () => {
    const a = auth({ challengeScopes: true });
    const result = await a.authenticate(anonymous(), {
      require: { scopes: { anyOf: ['read', 'admin'] } },
    });
    expect(rendered(a, result, 'credentials_missing').wwwAuthenticate).toBe(
      `Bearer realm="api", scope="read admin", ${RM}`,
    );
  });

  it('true without route scopes: no scope attribute', async () => {
    const a = auth({ challengeScopes: true });
    expect(
      rendered(a, await a.authenticate(anonymous()), 'credentials_missing').wwwAuthenticate,
    ).toBe(`Bearer realm="api", ${RM}`);
  });

  it('a list: the route’s scopes first, else the list', async () => {
    const a = auth({ challengeScopes: ['mcp:tools'] });
    expect(
      rendered(a, await a.authenticate(anonymous()), 'credentials_missing').wwwAuthenticate,
    ).toBe(`Bearer realm="api", scope="mcp:tools", ${RM}`);
    expect(
      rendered(a, await a.authenticate(bearer('not-a-jwt')), 'no_scheme').wwwAuthenticate,
    ).toBe(`${INVALID}, scope="mcp:tools", ${RM}`);
    const routed = await a.authenticate(anonymous(), { require: { scopes: 'files:read' } });
    expect(rendered(a, routed, 'credentials_missing').wwwAuthenticate).toBe(
      `Bearer realm="api", scope="files:read", ${RM}`,
    );
  });

  it('off: route scopes stay out of 401s', async () => {
    const a = auth({});
    const result = await a.authenticate(anonymous(), { require: { scopes: 'mcp:tools' } });
    expect(rendered(a, result, 'credentials_missing').wwwAuthenticate).toBe(
      `Bearer realm="api", ${RM}`,
    );
  });

  it('the bare challenge of an API key and a bearer scheme names the scopes in both', async () => {
    const store = new MemoryApiKeyStore();
    const a = createAuthenticator({
      schemes: [jwt(jwtOptions({ keys: key.jwk })), apiKey({ store })],
      render: { challengeScopes: true },
    });
    const result = await a.authenticate(anonymous(), { require: { scopes: 'orders:read' } });
    expect(rendered(a, result, 'credentials_missing').wwwAuthenticate).toBe(
      'Bearer realm="api", scope="orders:read", ApiKey realm="api", scope="orders:read"',
    );
    // An unknown API key is an invalid_token of the ApiKey challenge, with the route scopes.
    const { key: unknown } = await generateApiKey({ prefix: 'sk_test', owner: 'x' });
    const bad = await a.authenticate(nodeView(['Host', 'api.example', 'X-API-Key', unknown]), {
      require: { scopes: 'orders:read' },
    });
    expect(rendered(a, bad, 'api_key_unknown').wwwAuthenticate).toBe(
      'ApiKey realm="api", error="invalid_token", error_description="The API key is invalid", scope="orders:read"',
    );
  });
});

describe('authenticator: keepGrantedScopes', () => {
  it('insufficient_scope names the granted scopes, then the missing ones', async () => {
    const a = auth({ keepGrantedScopes: true });
    const token = await sign(key, userClaims({ scope: 'mcp:tools profile' }));
    const result = await a.authenticate(bearer(token), {
      require: { scopes: ['mcp:tools', 'mcp:admin'] },
    });
    expect(rendered(a, result, 'scope_missing')).toEqual({
      status: 403,
      code: 'insufficient_scope',
      wwwAuthenticate: `${INSUFFICIENT}, scope="mcp:tools profile mcp:admin"`,
      body: '{"error":"insufficient_scope","error_description":"The access token does not have the required scope"}',
    });
  });

  it('through authorize() too (the scope guards of the adapters)', async () => {
    const a = auth({ keepGrantedScopes: true });
    const token = await sign(key, userClaims({ scope: 'mcp:tools' }));
    const authenticated = await a.authenticate(bearer(token));
    if (!authenticated.ok) throw new Error('expected a principal');
    const denied = a.authorize(authenticated.principal, { scopes: 'mcp:admin' });
    expect(rendered(a, denied, 'scope_missing').wwwAuthenticate).toBe(
      `${INSUFFICIENT}, scope="mcp:tools mcp:admin"`,
    );
    expect(denied.ok || denied.error.scopes).toEqual(['mcp:tools', 'mcp:admin']);
  });

  it('off by default: only the scopes needed', async () => {
    const a = auth({});
    const token = await sign(key, userClaims({ scope: 'mcp:tools' }));
    const result = await a.authenticate(bearer(token), { require: { scopes: 'mcp:admin' } });
    expect(rendered(a, result, 'scope_missing').wwwAuthenticate).toBe(
      `${INSUFFICIENT}, scope="mcp:admin"`,
    );
  });

  it('a claim predicate refusal names no scope, kept or not', async () => {
    const a = auth({ keepGrantedScopes: true });
    const token = await sign(key, userClaims({ scope: 'mcp:tools' }));
    const result = await a.authenticate(bearer(token), { require: { check: () => false } });
    expect(rendered(a, result, 'check_failed').wwwAuthenticate).toBe(INSUFFICIENT);
  });
});
