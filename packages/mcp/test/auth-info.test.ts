import { createAuthenticator, fetchRequestView, jwt } from '@authcore/core';
import { accessToken, toAuthInfo } from '@authcore/mcp';
import { createTestIssuer, type TestIssuer } from '@authcore/testing';
import { beforeAll, describe, expect, it } from 'vitest';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: 'https://mcp.example/mcp' });
});

async function principalOf(token: string) {
  const auth = createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] });
  const request = new Request('https://mcp.example/mcp', {
    headers: { authorization: `Bearer ${token}` },
  });
  const result = await auth.authenticate(fetchRequestView(request));
  if (!result.ok) throw result.error;
  return result.principal;
}

describe('toAuthInfo', () => {
  it('maps a verified principal to the SDK fields', async () => {
    const token = await issuer.issueToken(
      { sub: 'alice', scope: 'mcp:tools files:read', client_id: 'desktop' },
      { expiresIn: 600 },
    );
    const principal = await principalOf(token);
    const info = toAuthInfo(principal, token);
    expect(info).toEqual({
      token,
      clientId: 'desktop',
      scopes: ['mcp:tools', 'files:read'],
      expiresAt: Math.floor(principal.expiresAt!.getTime() / 1000),
      resource: new URL('https://mcp.example/mcp'),
      extra: { sub: 'alice', kind: 'user', scheme: 'jwt', issuer: issuer.issuer },
    });
  });

  it('a fresh object each call: a tool changing its copy changes nothing else', async () => {
    const token = await issuer.issueToken({ sub: 'alice', scope: 'mcp:tools' });
    const principal = await principalOf(token);
    const a = toAuthInfo(principal, token);
    a.scopes.push('mcp:admin');
    a.resource!.pathname = '/other';
    const b = toAuthInfo(principal, token, { resource: a.resource! });
    expect(toAuthInfo(principal, token).scopes).toEqual(['mcp:tools']);
    expect([...principal.scopes]).toEqual(['mcp:tools']);
    expect(b.resource).not.toBe(a.resource);
  });

  it('options: resource and extra; no client, no single audience', async () => {
    const token = await issuer.issueToken({
      sub: 'svc',
      aud: ['https://mcp.example/mcp', 'https://other.example'],
    });
    const principal = await principalOf(token);
    const info = toAuthInfo(principal, token);
    expect(info.clientId).toBe('');
    expect(info.resource).toBeUndefined();
    const given = toAuthInfo(principal, token, {
      resource: 'https://mcp.example/mcp',
      extra: { tenant: 't1' },
    });
    expect(given.resource?.href).toBe('https://mcp.example/mcp');
    expect(given.extra).toEqual({
      sub: 'svc',
      kind: 'user',
      scheme: 'jwt',
      issuer: issuer.issuer,
      tenant: 't1',
    });
  });
});

describe('accessToken', () => {
  it('the token of Bearer and DPoP, any casing; nothing else', () => {
    expect(accessToken('Bearer abc.def-ghi')).toBe('abc.def-ghi');
    expect(accessToken('dpop abc')).toBe('abc');
    expect(accessToken('Basic dXNlcjpwYXNz')).toBe('');
    expect(accessToken('Bearer a b')).toBe('');
    expect(accessToken(undefined)).toBe('');
    expect(accessToken(null)).toBe('');
  });
});
