/** Options of the RFC 9728 Protected Resource Metadata document. */
export interface ResourceMetadataOptions {
  /** The resource identifier: this API's URL (https, no fragment), usually its `audience`. */
  resource: string;
  /** Issuers whose tokens this resource accepts. */
  authorizationServers?: readonly string[];
  scopesSupported?: readonly string[];
  /** Default `['header']`. RFC 6750 methods: `header`, `body`, `query`. */
  bearerMethodsSupported?: readonly ('header' | 'body' | 'query')[];
  jwksUri?: string;
  resourceName?: string;
  resourceDocumentation?: string;
  /** DPoP (RFC 9449): accepted proof algorithms; presence advertises DPoP support. */
  dpopSigningAlgValuesSupported?: readonly string[];
  /** DPoP is required: Bearer tokens are refused. */
  dpopBoundAccessTokensRequired?: boolean;
}

export type ResourceMetadata = Record<string, string | boolean | readonly string[]>;

/** The metadata document, with RFC 9728 §2 member names, in the order the RFC lists them. */
export function protectedResourceMetadata(options: ResourceMetadataOptions): ResourceMetadata {
  const url = new URL(options.resource);
  if (url.hash) throw new TypeError('resource metadata: `resource` must not have a fragment');
  const doc: ResourceMetadata = { resource: options.resource };
  if (options.authorizationServers?.length)
    doc.authorization_servers = [...options.authorizationServers];
  if (options.jwksUri) doc.jwks_uri = options.jwksUri;
  if (options.scopesSupported?.length) doc.scopes_supported = [...options.scopesSupported];
  doc.bearer_methods_supported = [...(options.bearerMethodsSupported ?? ['header'])];
  if (options.resourceName) doc.resource_name = options.resourceName;
  if (options.resourceDocumentation) doc.resource_documentation = options.resourceDocumentation;
  if (options.dpopSigningAlgValuesSupported?.length) {
    doc.dpop_signing_alg_values_supported = [...options.dpopSigningAlgValuesSupported];
  }
  if (options.dpopBoundAccessTokensRequired !== undefined) {
    doc.dpop_bound_access_tokens_required = options.dpopBoundAccessTokensRequired;
  }
  return doc;
}

/**
 * Where the document is served (RFC 9728 §3.1): the well-known segment inserted between the host
 * and the resource's path, so `https://api.test/v1` is served at
 * `https://api.test/.well-known/oauth-protected-resource/v1`.
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`;
}

/** The path an adapter serves the document on (the URL above without its origin). */
export const resourceMetadataPath = (resource: string): string => {
  const url = new URL(resourceMetadataUrl(resource));
  return `${url.pathname}${url.search}`;
};

/** A ready response: status, headers and body to send as is. */
export interface MetadataResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Serves the document at `/.well-known/oauth-protected-resource` and at its path-suffixed form
 * for `resource`. Returns a function adapters call with the method and path of each request:
 * the response for the metadata routes, `undefined` for every other request.
 */
export function resourceMetadataHandler(
  options: ResourceMetadataOptions,
): (method: string, path: string) => MetadataResponse | undefined {
  const body = JSON.stringify(protectedResourceMetadata(options));
  const paths = new Set([
    '/.well-known/oauth-protected-resource',
    resourceMetadataPath(options.resource),
  ]);
  const response: MetadataResponse = {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'max-age=3600' },
    body,
  };
  return (method, path) =>
    paths.has(path) && (method === 'GET' || method === 'HEAD') ? response : undefined;
}
