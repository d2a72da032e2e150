import { digestsEqual, randomToken, sha256 } from '../lib/crypto.js';
import { fromRequest } from '../lib/exchange.js';
import { json, methodNotAllowed, OAuthError, readJsonBody } from '../lib/http.js';
import type { ClientRecord, GrantType, RegisteredClientStore } from '../stores/types.js';
import { type ClientMetadata, checkClientMetadata, type MetadataPolicy } from './metadata.js';
import type { RegistrationOptions } from './options.js';

export interface RegistrationConfig {
  url: string;
  realm: string;
  store: RegisteredClientStore;
  policy: RegistrationOptions['policy'];
  initialAccessToken: ((token: string, request: Request) => Promise<boolean>) | undefined;
  metadata: MetadataPolicy;
  audience: readonly string[];
  clientTtl: number;
  review: RegistrationOptions['review'];
  rateLimit: RegistrationOptions['rateLimit'];
  now: () => number;
}

/** Largest registration request read (RFC 7591 requests are small JSON objects). */
export const MAX_REGISTRATION_BYTES = 16_384;

const NO_STORE = { pragma: 'no-cache' };

/** A 401 per RFC 6750 §3 for a missing or wrong bearer token (initial or registration access). */
function bearerError(realm: string, missing: boolean, description: string): OAuthError {
  const challenge = missing
    ? `Bearer realm="${realm}"`
    : `Bearer realm="${realm}", error="invalid_token"`;
  return new OAuthError('invalid_token', description, 401, { 'www-authenticate': challenge });
}

function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  if (header === null) return undefined;
  const match = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match ? match[1] : '';
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function describe(config: RegistrationConfig, record: ClientRecord) {
  const r = record.registration!;
  const body: Record<string, unknown> = {
    client_id: record.clientId,
    client_id_issued_at: seconds(r.issuedAt),
    redirect_uris: record.redirectUris,
    grant_types: record.grantTypes,
    response_types: r.responseTypes,
    token_endpoint_auth_method: r.tokenEndpointAuthMethod,
    application_type: r.applicationType,
    scope: record.scopes.join(' '),
  };
  if (record.clientName !== undefined) body.client_name = record.clientName;
  if (record.clientUri !== undefined) body.client_uri = record.clientUri;
  if (record.logoUri !== undefined) body.logo_uri = record.logoUri;
  if (record.clientSecretHash !== undefined)
    body.client_secret_expires_at = record.expiresAt === undefined ? 0 : seconds(record.expiresAt);
  body.registration_client_uri = `${config.url}?client_id=${encodeURIComponent(record.clientId)}`;
  return body;
}

async function register(config: RegistrationConfig, request: Request): Promise<Response> {
  if (config.policy === 'initial_access_token') {
    const token = bearerToken(request);
    if (token === undefined)
      throw bearerError(config.realm, true, 'an initial access token is required');
    if (token === '' || !(await config.initialAccessToken!(token, request)))
      throw bearerError(config.realm, false, 'the initial access token is not valid');
  }
  const body = await readJsonBody(fromRequest(request), MAX_REGISTRATION_BYTES);
  let metadata: ClientMetadata = checkClientMetadata(body, config.metadata);
  if (config.review) {
    const reviewed = await config.review(structuredClone(metadata), request);
    if ('error' in reviewed) {
      const code =
        reviewed.error === 'invalid_redirect_uri'
          ? 'invalid_redirect_uri'
          : 'invalid_client_metadata';
      throw new OAuthError(code, reviewed.errorDescription ?? 'the registration was refused');
    }
    metadata = checkClientMetadata(reviewed, config.metadata);
  }

  const now = config.now();
  const clientId = randomToken(16);
  const confidential = metadata.token_endpoint_auth_method !== 'none';
  const secret = confidential ? randomToken(32) : undefined;
  const accessToken = randomToken(32);
  const record: ClientRecord = {
    clientId,
    clientSecretHash: secret === undefined ? undefined : await sha256(secret),
    redirectUris: metadata.redirect_uris,
    scopes: metadata.scope === '' ? [] : metadata.scope.split(' '),
    audience: [...config.audience],
    grantTypes: metadata.grant_types as GrantType[],
    provenance: 'registered',
    clientName: metadata.client_name,
    clientUri: metadata.client_uri,
    logoUri: metadata.logo_uri,
    expiresAt: config.clientTtl > 0 ? now + config.clientTtl * 1000 : undefined,
    registration: {
      issuedAt: now,
      applicationType: metadata.application_type,
      tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
      responseTypes: metadata.response_types,
      accessTokenHash: await sha256(accessToken),
    },
  };
  for (const key of Object.keys(record) as (keyof ClientRecord)[])
    if (record[key] === undefined) delete record[key];
  if (!(await config.store.register(record)))
    throw new OAuthError('temporarily_unavailable', 'no more clients can be registered', 503);
  const answer: Record<string, unknown> = { ...describe(config, record) };
  // Shown once: the store keeps only hashes.
  if (secret !== undefined) answer.client_secret = secret;
  answer.registration_access_token = accessToken;
  return json(201, answer, NO_STORE);
}

/** RFC 7592: the client reads or deletes its registration with its registration access token. */
async function manage(config: RegistrationConfig, request: Request): Promise<Response> {
  const token = bearerToken(request);
  if (token === undefined)
    throw bearerError(config.realm, true, 'a registration access token is required');
  const clientId = new URL(request.url).searchParams.get('client_id');
  const record = clientId ? await config.store.get(clientId) : undefined;
  // One answer for an unknown client and a wrong token.
  const presented = await sha256(token);
  const expected = record?.registration?.accessTokenHash ?? '';
  const valid =
    record !== undefined &&
    (record.expiresAt === undefined || record.expiresAt > config.now()) &&
    digestsEqual(presented, expected);
  if (!valid || token === '')
    throw bearerError(config.realm, false, 'the registration access token is not valid');
  if (request.method === 'DELETE') {
    await config.store.remove(record.clientId);
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  }
  return json(200, describe(config, record), NO_STORE);
}

/** `POST /register` (RFC 7591), `GET|DELETE /register?client_id=…` (RFC 7592). */
export function registrationEndpoint(config: RegistrationConfig) {
  return async (request: Request): Promise<Response> => {
    const { method } = request;
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE')
      throw methodNotAllowed('POST, GET, DELETE');
    if (method === 'POST' && config.rateLimit) {
      const decision = await config.rateLimit(request);
      if (decision !== true) {
        const retryAfter = Math.max(1, Math.ceil(Number(decision?.retryAfter) || 1));
        throw new OAuthError(
          'temporarily_unavailable',
          'too many registrations; try again later',
          429,
          { 'retry-after': String(retryAfter) },
        );
      }
    }
    return method === 'POST' ? register(config, request) : manage(config, request);
  };
}
