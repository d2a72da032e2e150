import type { Context } from '../lib/context.js';
import type { Incoming, Reply } from '../lib/exchange.js';
import { methodNotAllowed, reply } from '../lib/http.js';
import { PUBLIC_HEADERS } from './jwks.js';

/** RFC 8414 authorization server metadata, as this issuer publishes it. */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  jwks_uri: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  scopes_supported?: string[];
  authorization_response_iss_parameter_supported: boolean;
  dpop_signing_alg_values_supported?: string[];
  /** RFC 7591, when registration is on. */
  registration_endpoint?: string;
  /** draft-ietf-oauth-client-id-metadata-document, when metadata documents are on. */
  client_id_metadata_document_supported?: boolean;
}

export function buildMetadata(
  ctx: Context,
  scopesSupported: readonly string[] | undefined,
  dynamic: { registration: boolean; metadataDocuments: boolean } = {
    registration: false,
    metadataDocuments: false,
  },
): AuthorizationServerMetadata {
  const codeFlow = ctx.authorize !== undefined;
  const metadata: AuthorizationServerMetadata = {
    issuer: ctx.issuer,
    ...(codeFlow && { authorization_endpoint: ctx.urls.authorize }),
    token_endpoint: ctx.urls.token,
    jwks_uri: ctx.urls.jwks,
    revocation_endpoint: ctx.urls.revoke,
    introspection_endpoint: ctx.urls.introspect,
    response_types_supported: codeFlow ? ['code'] : [],
    response_modes_supported: ['query'],
    grant_types_supported: codeFlow
      ? ['authorization_code', 'client_credentials', 'refresh_token']
      : ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'none',
    ],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
  if (scopesSupported) metadata.scopes_supported = [...scopesSupported];
  if (ctx.dpop) metadata.dpop_signing_alg_values_supported = [...ctx.dpopAlgorithms];
  if (dynamic.registration) metadata.registration_endpoint = ctx.urls.registration;
  if (dynamic.metadataDocuments) metadata.client_id_metadata_document_supported = true;
  return metadata;
}

/** `GET /.well-known/oauth-authorization-server…` (RFC 8414 §3). */
export function metadataEndpoint(metadata: AuthorizationServerMetadata) {
  return async (request: Incoming): Promise<Reply> => {
    if (request.method !== 'GET') throw methodNotAllowed('GET');
    return reply(200, metadata, { ...PUBLIC_HEADERS, 'cache-control': 'public, max-age=300' });
  };
}
