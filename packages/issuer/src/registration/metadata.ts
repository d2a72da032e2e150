import { OAuthError } from '../lib/http.js';
import type { GrantType, TokenEndpointAuthMethod } from '../stores/types.js';
import { acceptableRedirectUri } from './redirect-uri.js';

/** Client metadata (RFC 7591 §2) as the issuer keeps it: every field checked, defaults filled. */
export interface ClientMetadata {
  redirect_uris: string[];
  grant_types: GrantType[];
  response_types: 'code'[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  application_type: 'web' | 'native';
  /** Space-separated scopes the client may be granted. */
  scope: string;
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
}

export interface MetadataPolicy {
  /** Scopes a client may have; also what it gets when it names none. */
  scopes: readonly string[];
  grantTypes: readonly GrantType[];
  authMethods: readonly TokenEndpointAuthMethod[];
  /** When the request names none (RFC 7591: `client_secret_basic`). */
  defaultAuthMethod: TokenEndpointAuthMethod;
}

const MAX_REDIRECT_URIS = 10;
const MAX_NAME = 200;
const MAX_URI = 2000;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;
const GRANTS: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];

const metadataError = (description: string) =>
  new OAuthError('invalid_client_metadata', description);

function stringArray(value: unknown, name: string, max: number): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > max ||
    value.some((v) => typeof v !== 'string' || v === '')
  )
    throw metadataError(`${name} must be an array of at most ${max} non-empty strings`);
  return [...new Set(value as string[])];
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_NAME)
    throw metadataError(`${name} must be a string of 1 to ${MAX_NAME} characters`);
  return value;
}

function httpsUri(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  let ok = typeof value === 'string' && value.length <= MAX_URI && !value.includes('#');
  if (ok) {
    try {
      const url = new URL(value as string);
      ok = url.protocol === 'https:' && url.username === '' && url.password === '';
    } catch {
      ok = false;
    }
  }
  if (!ok) throw metadataError(`${name} must be an https URL`);
  return value as string;
}

/**
 * Checks client metadata against the issuer's policy and fills the defaults. Unknown fields
 * are dropped (RFC 7591 §2: the server may ignore what it does not support); every field
 * kept is validated. Throws `invalid_redirect_uri` or `invalid_client_metadata`.
 */
export function checkClientMetadata(input: unknown, policy: MetadataPolicy): ClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw metadataError('the client metadata must be a JSON object');
  const m = input as Record<string, unknown>;

  const applicationType = m.application_type ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native')
    throw metadataError('application_type must be web or native');

  const authMethod = m.token_endpoint_auth_method ?? policy.defaultAuthMethod;
  if (!policy.authMethods.includes(authMethod as TokenEndpointAuthMethod))
    throw metadataError('token_endpoint_auth_method is not supported');

  const grantTypes = (stringArray(m.grant_types, 'grant_types', 3) ?? [
    'authorization_code',
  ]) as GrantType[];
  if (grantTypes.length === 0) throw metadataError('grant_types must not be empty');
  for (const grant of grantTypes)
    if (!GRANTS.includes(grant) || !policy.grantTypes.includes(grant))
      throw metadataError('grant_types has a grant type that is not allowed');
  const responseTypes = stringArray(m.response_types, 'response_types', 1) ?? [
    ...(grantTypes.includes('authorization_code') ? ['code'] : []),
  ];
  if (responseTypes.some((t) => t !== 'code'))
    throw metadataError('response_types may only be code');
  // RFC 7591 §2.1: `code` and `authorization_code` go together; a refresh token needs a grant.
  if (grantTypes.includes('authorization_code') !== responseTypes.includes('code'))
    throw metadataError('grant_types and response_types are inconsistent');
  if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code'))
    throw metadataError('grant_types and response_types are inconsistent');
  if (authMethod === 'none' && grantTypes.includes('client_credentials'))
    throw metadataError('client_credentials needs client authentication');

  const redirectUris = stringArray(m.redirect_uris, 'redirect_uris', MAX_REDIRECT_URIS);
  if (grantTypes.includes('authorization_code') && (redirectUris ?? []).length === 0)
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris is required');
  for (const uri of redirectUris ?? [])
    if (!acceptableRedirectUri(uri, applicationType))
      throw new OAuthError('invalid_redirect_uri', 'a redirect URI is not acceptable');

  let scopes = [...policy.scopes];
  if (m.scope !== undefined) {
    if (typeof m.scope !== 'string') throw metadataError('scope must be a string');
    scopes = [...new Set(m.scope.split(' ').filter((s) => s !== ''))];
    if (scopes.some((s) => !SCOPE_TOKEN.test(s) || !policy.scopes.includes(s)))
      throw metadataError('scope has a scope that is not allowed');
  }

  const out: ClientMetadata = {
    redirect_uris: redirectUris ?? [],
    grant_types: grantTypes,
    response_types: responseTypes as 'code'[],
    token_endpoint_auth_method: authMethod as TokenEndpointAuthMethod,
    application_type: applicationType,
    scope: scopes.join(' '),
  };
  const name = optionalString(m.client_name, 'client_name');
  if (name !== undefined) out.client_name = name;
  const clientUri = httpsUri(m.client_uri, 'client_uri');
  if (clientUri !== undefined) out.client_uri = clientUri;
  const logoUri = httpsUri(m.logo_uri, 'logo_uri');
  if (logoUri !== undefined) out.logo_uri = logoUri;
  return out;
}
