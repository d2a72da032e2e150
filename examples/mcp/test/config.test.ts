import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('examples/mcp environment', () => {
  it('defaults: port 3000, the audience from the port once listening, JWKS by discovery', () => {
    expect(readConfig({ AUTHCORE_ISSUER: 'http://127.0.0.1:4000' })).toEqual({
      port: 3000,
      issuer: 'http://127.0.0.1:4000',
      audience: undefined,
      jwksUri: undefined,
    });
  });

  it('takes every variable', () => {
    expect(
      readConfig({
        PORT: '0',
        AUTHCORE_ISSUER: 'https://auth.example',
        AUTHCORE_AUDIENCE: 'https://mcp.example/mcp',
        AUTHCORE_JWKS_URI: 'https://auth.example/jwks',
      }),
    ).toEqual({
      port: 0,
      issuer: 'https://auth.example',
      audience: 'https://mcp.example/mcp',
      jwksUri: 'https://auth.example/jwks',
    });
  });

  it('refuses a missing issuer, a bad port and a bad URL', () => {
    expect(() => readConfig({})).toThrow(
      'examples/mcp: AUTHCORE_ISSUER is required (run examples/issuer)',
    );
    expect(() => readConfig({ PORT: 'x', AUTHCORE_ISSUER: 'http://a' })).toThrow(
      'examples/mcp: PORT x is not a port',
    );
    expect(() => readConfig({ AUTHCORE_ISSUER: 'http://a', AUTHCORE_AUDIENCE: 'mcp' })).toThrow(
      'examples/mcp: AUTHCORE_AUDIENCE mcp is not a URL',
    );
  });
});
