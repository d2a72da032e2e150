import {
  type AnyPrincipal,
  ASYMMETRIC_ALGORITHMS,
  type Authenticator,
  apiKey,
  apiKeyRecord,
  createAuthenticator,
  type JwtAlgorithm,
  jwt,
  MemoryApiKeyStore,
  type MetadataResponse,
  type ResourceMetadataOptions,
  resourceMetadataHandler,
  resourceMetadataUrl,
} from '@authcore/core';
import { createTestIssuer, type TestIssuer } from '@authcore/testing';

/**
 * Everything the examples read from the environment (the contract outside suites drive them by):
 * PORT (3000), AUTHCORE_ISSUER, AUTHCORE_AUDIENCE, AUTHCORE_JWKS_URI (when unset, an embedded test
 * issuer on 127.0.0.1 is used and a token is printed), AUTHCORE_API_KEYS (comma-separated full keys)
 * with AUTHCORE_API_KEY_SCOPES (space-separated).
 */
export interface ExampleSetup {
  port: number;
  authenticator: Authenticator<AnyPrincipal>;
  /** Lines to print once listening: how to try the API. */
  hints: string[];
  /** RFC 9728: the metadata document for `/.well-known/oauth-protected-resource` (and its suffixed form). */
  resourceMetadata: (method: string, path: string) => MetadataResponse | undefined;
  /** The options of that document, for an adapter's `resourceMetadata(options)` route. */
  resourceMetadataOptions: ResourceMetadataOptions;
  /** The embedded test issuer, when no JWKS was configured. */
  testIssuer: TestIssuer | undefined;
  close(): Promise<void>;
}

export async function exampleSetup(env: NodeJS.ProcessEnv = process.env): Promise<ExampleSetup> {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT ${env.PORT} is not a port`);
  const hints: string[] = [];
  let testIssuer: TestIssuer | undefined;
  let jwtOptions: { issuer: string; audience: string; jwksUri: string };
  if (env.AUTHCORE_JWKS_URI) {
    if (!env.AUTHCORE_ISSUER || !env.AUTHCORE_AUDIENCE) {
      throw new Error('AUTHCORE_JWKS_URI needs AUTHCORE_ISSUER and AUTHCORE_AUDIENCE');
    }
    jwtOptions = {
      issuer: env.AUTHCORE_ISSUER,
      audience: env.AUTHCORE_AUDIENCE,
      jwksUri: env.AUTHCORE_JWKS_URI,
    };
  } else {
    testIssuer = await createTestIssuer({
      ...(env.AUTHCORE_AUDIENCE && { audience: env.AUTHCORE_AUDIENCE }),
    });
    jwtOptions = {
      issuer: testIssuer.issuer,
      audience: testIssuer.audience,
      jwksUri: testIssuer.jwksUri,
    };
    const token = await testIssuer.issueToken(
      { sub: 'demo-user', scope: 'orders:read orders:write' },
      { expiresIn: 3600 },
    );
    hints.push(`embedded test issuer ${testIssuer.issuer}; a token valid for one hour:`, token);
  }

  const store = new MemoryApiKeyStore();
  const scopes = (env.AUTHCORE_API_KEY_SCOPES ?? '').split(' ').filter(Boolean);
  for (const key of (env.AUTHCORE_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)) {
    await store.create(await apiKeyRecord(key, { owner: 'example', scopes }));
  }

  const algorithms = (env.AUTHCORE_ALGORITHMS?.split(',') ??
    ASYMMETRIC_ALGORITHMS) as JwtAlgorithm[];
  // MCP-style resource server: PRM document, resource_metadata in 401s, DPoP beside Bearer.
  const resource = jwtOptions.audience;
  const metadataUrl = env.AUTHCORE_RESOURCE_METADATA_URL ?? resourceMetadataUrl(resource);
  const authenticator = createAuthenticator({
    schemes: [jwt({ ...jwtOptions, algorithms, dpop: true }), apiKey({ store })],
    render: { resourceMetadata: metadataUrl },
  });
  const resourceMetadataOptions: ResourceMetadataOptions = {
    resource,
    authorizationServers: [jwtOptions.issuer],
    scopesSupported: ['orders:read', 'orders:write'],
    dpopSigningAlgValuesSupported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
  };
  return {
    port,
    authenticator,
    resourceMetadata: resourceMetadataHandler(resourceMetadataOptions),
    resourceMetadataOptions,
    hints,
    testIssuer,
    close: async () => {
      await testIssuer?.close();
    },
  };
}

/** The one line printed when an example is ready. */
export const readyLine = (name: string, port: number) =>
  `authcore ${name} example listening on http://127.0.0.1:${port}`;

export { type RunningExample, startExample } from './spawn.js';
