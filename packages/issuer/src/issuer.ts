import { DPOP_ALGORITHMS, type DpopOptions, dpopProofVerifier } from '@authcore/core';
import type { JSONWebKeySet } from 'jose';
import { authorizeEndpoint } from './endpoints/authorize.js';
import { introspectEndpoint } from './endpoints/introspect.js';
import { jwksEndpoint } from './endpoints/jwks.js';
import {
  type AuthorizationServerMetadata,
  buildMetadata,
  metadataEndpoint,
} from './endpoints/metadata.js';
import { revokeEndpoint } from './endpoints/revoke.js';
import { tokenEndpoint } from './endpoints/token.js';
import type { Context } from './lib/context.js';
import { endpoint, endpointErrors, type Handler } from './lib/endpoint.js';
import {
  type Answer,
  fromRequest,
  headerLines,
  type Incoming,
  toResponse,
} from './lib/exchange.js';
import { methodNotAllowed, reply } from './lib/http.js';
import { internalHandlers } from './lib/internal.js';
import { KeyRing, SIGNING_ALGORITHMS } from './lib/keys.js';
import { observeIssuer } from './lib/observe.js';
import { integerOption } from './lib/options.js';
import { importSealingKey } from './lib/seal.js';
import type { EndpointName, IssuerOptions } from './options.js';
import { setupDynamicClients } from './registration/setup.js';
import { type ClientConfig, memoryClientStore } from './stores/clients.js';
import { memoryKeyStore } from './stores/keys.js';
import {
  memoryCodeStore,
  memoryRefreshTokenStore,
  memoryRevocationStore,
} from './stores/memory.js';
import type { ClientStore } from './stores/types.js';

export interface Issuer {
  /** The Web fetch handler: mount it in any framework, or `node:http` via `toNodeListener`. */
  fetch(request: Request): Promise<Response>;
  /** The issuer identifier, exactly as configured. */
  readonly issuerUrl: string;
  /** The path each endpoint answers on. */
  readonly paths: Readonly<Record<EndpointName, string>>;
  /** Whether a path is one of the issuer's endpoints (to route only those to it). */
  handles(pathname: string): boolean;
  /** The RFC 8414 metadata document. */
  readonly metadata: AuthorizationServerMetadata;
  /** The published public keys. */
  jwks(): Promise<JSONWebKeySet>;
  /**
   * Rotates to a new signing key, on every instance sharing `stores.keys`: it is published at
   * once and signs from `keyRefreshInterval` later (at once without a shared store); the old
   * public key stays published for the grace period. Returns the new `kid`.
   */
  rotateKeys(): Promise<string>;
  /** Whether an access token's `jti` was revoked (for a resource server's `isRevoked`). */
  isRevoked(jti: string): Promise<boolean>;
}

const DEFAULT_REFRESH_TTL = 14 * 24 * 3600;

const integer = (
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
) => integerOption(name, value, fallback, min, max, 'seconds');

function checkIssuer(issuer: unknown): URL {
  if (typeof issuer !== 'string') throw new TypeError('createIssuer: `issuer` is required');
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError('createIssuer: `issuer` must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('createIssuer: `issuer` must be an http(s) URL');
  if (issuer.includes('?') || issuer.includes('#'))
    throw new TypeError('createIssuer: `issuer` must have no query or fragment (RFC 8414)');
  return url;
}

const isStore = (clients: IssuerOptions['clients']): clients is ClientStore =>
  typeof (clients as ClientStore | undefined)?.get === 'function';

/**
 * A minimal OAuth 2.0 authorization server as a Web fetch handler: client credentials,
 * authorization code with PKCE, rotating refresh tokens, revocation, introspection, metadata
 * and JWKS. Options are validated here; misconfiguration throws.
 */
export function createIssuer(options: IssuerOptions): Issuer {
  const issuerUrl = checkIssuer(options?.issuer);
  const issuer = options.issuer;
  const accessTokenTtl = integer('accessTokenTtl', options.accessTokenTtl, 600, 300, 900);
  const refreshTokenTtl = integer(
    'refreshTokenTtl',
    options.refreshTokenTtl,
    DEFAULT_REFRESH_TTL,
    0,
    366 * 24 * 3600,
  );
  const refreshReuseLeeway = integer('refreshReuseLeeway', options.refreshReuseLeeway, 2, 0, 60);
  const codeTtl = integer('codeTtl', options.codeTtl, 60, 1, 600);
  const keyGracePeriod = integer(
    'keyGracePeriod',
    options.keyGracePeriod,
    3600,
    accessTokenTtl,
    366 * 24 * 3600,
  );
  const algorithm = options.algorithm ?? 'ES256';
  if (!SIGNING_ALGORITHMS.includes(algorithm))
    throw new TypeError(
      `createIssuer: \`algorithm\` must be one of ${SIGNING_ALGORITHMS.join(', ')}`,
    );
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    throw new TypeError('createIssuer: `authorize` must be a function');
  if (
    options.clients === undefined ||
    (!isStore(options.clients) && !Array.isArray(options.clients))
  )
    throw new TypeError(
      'createIssuer: `clients` must be an array of client configurations or a ClientStore',
    );
  const now = options.now ?? Date.now;
  const sharedKeys = options.stores?.keys;
  if (sharedKeys !== undefined && typeof sharedKeys?.compareAndSet !== 'function')
    throw new TypeError('createIssuer: `stores.keys` must be a KeyStore');
  if (sharedKeys && options.keyEncryptionKey === undefined)
    throw new TypeError('createIssuer: `stores.keys` needs `keyEncryptionKey` (32 bytes)');
  const keyRefreshInterval = integer('keyRefreshInterval', options.keyRefreshInterval, 10, 1, 300);
  const rotateEvery =
    options.rotateEvery === undefined
      ? undefined
      : integer(
          'rotateEvery',
          options.rotateEvery,
          0,
          Math.max(accessTokenTtl, 2 * keyRefreshInterval),
          366 * 24 * 3600,
        );
  const errors = endpointErrors({ onError: options.onError, logger: options.logger, now });
  const keys = new KeyRing({
    alg: algorithm,
    graceMs: keyGracePeriod * 1000,
    tokenTtlMs: accessTokenTtl * 1000,
    // Only this instance reads a store of its own: nothing to wait for.
    refreshMs: sharedKeys ? keyRefreshInterval * 1000 : 0,
    rotateEveryMs: rotateEvery === undefined ? undefined : rotateEvery * 1000,
    store: sharedKeys ?? memoryKeyStore(),
    sealingKey:
      options.keyEncryptionKey === undefined
        ? importSealingKey(crypto.getRandomValues(new Uint8Array(32)))
        : importSealingKey(options.keyEncryptionKey),
    initial: options.keys,
    now,
    onError: (error) => errors.background(error),
  });

  const base = issuerUrl.pathname.replace(/\/+$/, '');
  const paths: Record<EndpointName, string> = {
    authorize: `${base}/authorize`,
    token: `${base}/token`,
    revoke: `${base}/revoke`,
    introspect: `${base}/introspect`,
    jwks: `${base}/jwks`,
    registration: `${base}/register`,
    // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
    metadata: `/.well-known/oauth-authorization-server${base}`,
  };
  for (const [name, path] of Object.entries(options.paths ?? {})) {
    if (!(name in paths)) throw new TypeError(`createIssuer: unknown endpoint \`paths.${name}\``);
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw new TypeError(`createIssuer: \`paths.${name}\` must start with /`);
    paths[name as EndpointName] = path;
  }
  const routes = new Map<string, EndpointName>();
  for (const [name, path] of Object.entries(paths) as [EndpointName, string][]) {
    if (routes.has(path)) throw new TypeError(`createIssuer: two endpoints on ${path}`);
    routes.set(path, name);
  }
  const urls = Object.fromEntries(
    Object.entries(paths).map(([name, path]) => [name, `${issuerUrl.origin}${path}`]),
  ) as Record<EndpointName, string>;

  const configured = isStore(options.clients)
    ? options.clients
    : memoryClientStore(options.clients as readonly ClientConfig[]);
  // Registered and metadata-document clients come after the configured ones.
  const dynamic = setupDynamicClients(options, configured, urls.registration, now);
  const clients = dynamic.clients;
  const scopesSupported =
    options.scopesSupported ??
    (isStore(options.clients)
      ? undefined
      : [
          ...new Set([
            ...(options.clients as readonly ClientConfig[]).flatMap((c) => c.scopes ?? []),
            ...dynamic.scopes,
          ]),
        ]);

  const ctx: Context = {
    issuer,
    urls,
    clients,
    codes: options.stores?.codes ?? memoryCodeStore({ now }),
    refreshTokens: options.stores?.refreshTokens ?? memoryRefreshTokenStore({ now }),
    revocations: options.stores?.revocations ?? memoryRevocationStore({ now }),
    keys,
    accessTokenTtl,
    refreshTokenTtl,
    refreshReuseLeeway,
    codeTtl,
    now,
    authorize: options.authorize,
    errors,
    ...dpopChecker(options.dpop, urls.token, now),
  };
  const metadata = buildMetadata(ctx, scopesSupported, {
    registration: dynamic.register !== undefined,
    metadataDocuments: dynamic.metadataDocuments,
  });
  const post =
    (handler: (ctx: Context, request: Incoming) => Promise<Answer>): Handler =>
    (request) => {
      if (request.method !== 'POST') throw methodNotAllowed('POST');
      return handler(ctx, request);
    };
  const handlers: Partial<Record<EndpointName, Handler>> = {
    token: post(tokenEndpoint),
    revoke: post(revokeEndpoint),
    introspect: post(introspectEndpoint),
    jwks: (request) => jwksEndpoint(ctx, request),
    metadata: metadataEndpoint(metadata),
  };
  if (ctx.authorize)
    handlers.authorize = async (request) => {
      if (request.method !== 'GET' && request.method !== 'POST')
        throw methodNotAllowed('GET, POST');
      // The host's hook is handed a Web `Request`: built here only, when not given one.
      return authorizeEndpoint(ctx, request.request());
    };
  const register = dynamic.register;
  if (register) handlers.registration = (request) => register(request.request());
  // Every endpoint answers through the one wrapper that turns what it throws into an answer.
  const endpoints = new Map<string, Handler>();
  for (const [name, handler] of Object.entries(handlers) as [EndpointName, Handler][])
    endpoints.set(paths[name], endpoint(ctx.errors, name, handler));
  const notFound = async () => reply(404, { error: 'not_found' });
  const handle = observeIssuer(
    options.telemetry,
    (request) => routes.get(new URL(request.url).pathname) ?? 'unknown',
    (request) => (endpoints.get(new URL(request.url).pathname) ?? notFound)(request),
  );

  const issuerHandler: Issuer = {
    fetch: async (request) => toResponse(await handle(fromRequest(request))),
    issuerUrl: issuer,
    paths,
    handles: (pathname) => routes.has(pathname),
    metadata,
    jwks: () => ctx.keys.jwks(),
    rotateKeys: () => ctx.keys.rotate(),
    isRevoked: (jti) => ctx.revocations.isRevoked(jti),
  };
  internalHandlers.set(issuerHandler, handle);
  return issuerHandler;
}

// RFC 9864's fully-specified `Ed25519` (what current oauth4webapi signs with) beside `EdDSA`,
// whether or not the core's default list has it yet.
const ISSUER_DPOP_ALGORITHMS: readonly string[] = [...new Set([...DPOP_ALGORITHMS, 'Ed25519'])];

// Proofs are checked against the configured token endpoint URL, the one clients are told about.
function dpopChecker(
  options: DpopOptions | false | undefined,
  tokenUrl: string,
  now: () => number,
) {
  if (options === false) return { dpop: undefined, dpopAlgorithms: [] };
  const algorithms = options?.algorithms ?? ISSUER_DPOP_ALGORITHMS;
  const verify = dpopProofVerifier({ ...options, algorithms });
  return {
    dpop: (request: Incoming) =>
      verify(
        { method: request.method, url: tokenUrl, headers: (name) => headerLines(request, name) },
        now(),
      ),
    dpopAlgorithms: [...algorithms],
  };
}
