import {
  type AnyPrincipal,
  ASYMMETRIC_ALGORITHMS,
  type Authenticator,
  apiKey,
  apiKeyRecord,
  createAuthenticator,
  DPOP_ALGORITHMS,
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
 * with AUTHCORE_API_KEY_SCOPES (space-separated), AUTHCORE_PUBLIC_ORIGIN (comma-separated origins
 * the API is also served at, behind a proxy: DPoP proofs may name them beside
 * http://127.0.0.1:$PORT and http://localhost:$PORT).
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
  /** The origins DPoP proofs may name in `htu` (`http://127.0.0.1:<port>`, …) once listening. */
  origins(): string[];
  /** Tell the setup the port it listens on (the real one when `PORT` is 0). */
  listening(port: number): void;
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

  // DPoP `htu` is checked against the origins the API is served at, never the request's Host.
  const publicOrigins = (env.AUTHCORE_PUBLIC_ORIGIN ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      const url = URL.canParse(o) ? new URL(o) : undefined;
      const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username;
      if (!url || !bare || !/^https?:$/.test(url.protocol)) {
        throw new Error(`AUTHCORE_PUBLIC_ORIGIN: ${o} is not an http(s) origin`);
      }
      return url.origin;
    });
  let served = port;
  const origins = () => [
    `http://127.0.0.1:${served}`,
    `http://localhost:${served}`,
    ...publicOrigins,
  ];

  const algorithms = (env.AUTHCORE_ALGORITHMS?.split(',') ??
    ASYMMETRIC_ALGORITHMS) as JwtAlgorithm[];
  // MCP-style resource server: PRM document, resource_metadata in 401s, DPoP beside Bearer.
  const resource = jwtOptions.audience;
  const metadataUrl = env.AUTHCORE_RESOURCE_METADATA_URL ?? resourceMetadataUrl(resource);
  const authenticator = createAuthenticator({
    schemes: [
      jwt({ ...jwtOptions, algorithms, dpop: { origins: (o) => origins().includes(o) } }),
      apiKey({ store }),
    ],
    render: { resourceMetadata: metadataUrl },
  });
  const resourceMetadataOptions: ResourceMetadataOptions = {
    resource,
    authorizationServers: [jwtOptions.issuer],
    scopesSupported: ['orders:read', 'orders:write'],
    dpopSigningAlgValuesSupported: DPOP_ALGORITHMS,
  };
  return {
    port,
    authenticator,
    resourceMetadata: resourceMetadataHandler(resourceMetadataOptions),
    resourceMetadataOptions,
    hints,
    testIssuer,
    origins,
    listening: (p) => {
      served = p;
    },
    close: async () => {
      await testIssuer?.close();
    },
  };
}

/** The one line printed when an example is ready. */
export const readyLine = (name: string, port: number) =>
  `authcore ${name} example listening on http://127.0.0.1:${port}`;

export {
  freePort,
  type RunningExample,
  type StartExampleOptions,
  startExample,
} from './spawn.js';
