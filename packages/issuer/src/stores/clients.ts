import { sha256 } from '../lib/crypto.js';
import { deepFreeze } from '../lib/freeze.js';
import type { ClientRecord, ClientStore, GrantType } from './types.js';

/** A client as you configure it; the secret is hashed when the store loads it. */
export interface ClientConfig {
  clientId: string;
  /** The secret in clear (hashed at load). A client with no secret is public (`none`). */
  clientSecret?: string;
  /** Or its `clientSecretHash()`, to keep clear secrets out of configuration. */
  clientSecretHash?: string;
  /** Exact redirect URIs, required for the authorization code flow. */
  redirectUris?: readonly string[];
  /** Scopes the client may be granted. Default none. */
  scopes?: readonly string[];
  /** Audiences its tokens may carry; the first one is the default. */
  audience?: string | readonly string[];
  /**
   * Default: a confidential client gets `client_credentials`, plus `authorization_code` and
   * `refresh_token` when it has redirect URIs; a public client gets the latter two.
   */
  grantTypes?: readonly GrantType[];
}

const GRANT_TYPES: readonly GrantType[] = [
  'authorization_code',
  'client_credentials',
  'refresh_token',
];

/**
 * The `clientSecretHash` a store keeps for a client secret: its base64url SHA-256, as a string
 * (the core's API-key `hashSecret` gives bytes; this is not it). Use high-entropy secrets.
 */
export function clientSecretHash(secret: string): string {
  return sha256(secret);
}

/** @deprecated Use `clientSecretHash` (synchronous, same string). */
export function hashSecret(secret: string): Promise<string> {
  return Promise.resolve(clientSecretHash(secret));
}

function checkRedirectUri(clientId: string, uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`client ${clientId}: redirect URI ${uri} is not an absolute URL`);
  }
  if (url.hash !== '' || uri.includes('#'))
    throw new TypeError(`client ${clientId}: redirect URI ${uri} must not have a fragment`);
}

/** Validates a client configuration and turns it into a record (secret hashing aside). */
export function clientRecord(config: ClientConfig): Omit<ClientRecord, 'clientSecretHash'> & {
  clientSecret?: string | undefined;
  clientSecretHash?: string | undefined;
} {
  const { clientId } = config;
  if (typeof clientId !== 'string' || clientId === '')
    throw new TypeError('client: `clientId` is required');
  if (config.clientSecret !== undefined && config.clientSecretHash !== undefined)
    throw new TypeError(
      `client ${clientId}: give \`clientSecret\` or \`clientSecretHash\`, not both`,
    );
  if (config.clientSecret === '') throw new TypeError(`client ${clientId}: empty secret`);
  const confidential = config.clientSecret !== undefined || config.clientSecretHash !== undefined;
  const redirectUris = [...(config.redirectUris ?? [])];
  for (const uri of redirectUris) checkRedirectUri(clientId, uri);
  const audience =
    typeof config.audience === 'string' ? [config.audience] : [...(config.audience ?? [])];
  for (const aud of audience)
    if (typeof aud !== 'string' || aud === '')
      throw new TypeError(`client ${clientId}: an audience must be a non-empty string`);
  const scopes = [...(config.scopes ?? [])];
  for (const scope of scopes)
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))
      throw new TypeError(`client ${clientId}: invalid scope ${JSON.stringify(scope)}`);
  const grantTypes = config.grantTypes
    ? [...config.grantTypes]
    : confidential
      ? redirectUris.length > 0
        ? (['client_credentials', 'authorization_code', 'refresh_token'] as GrantType[])
        : (['client_credentials'] as GrantType[])
      : (['authorization_code', 'refresh_token'] as GrantType[]);
  for (const grant of grantTypes)
    if (!GRANT_TYPES.includes(grant))
      throw new TypeError(`client ${clientId}: unknown grant type ${grant}`);
  if (!confidential && grantTypes.includes('client_credentials'))
    throw new TypeError(`client ${clientId}: a public client cannot use client_credentials`);
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
    throw new TypeError(`client ${clientId}: authorization_code needs \`redirectUris\``);
  return {
    clientId,
    clientSecret: config.clientSecret,
    clientSecretHash: config.clientSecretHash,
    redirectUris,
    scopes,
    audience,
    grantTypes,
  };
}

/**
 * Clients held in memory, validated at construction; secrets are hashed once, on first use.
 * Records come out deep-frozen: callers share them read-only.
 */
export function memoryClientStore(clients: readonly ClientConfig[]): ClientStore {
  const pending = new Map<string, ReturnType<typeof clientRecord>>();
  for (const config of clients) {
    const record = clientRecord(config);
    if (pending.has(record.clientId))
      throw new TypeError(`client ${record.clientId}: configured twice`);
    pending.set(record.clientId, record);
  }
  let loaded: Promise<Map<string, ClientRecord>> | undefined;
  const load = async () => {
    const out = new Map<string, ClientRecord>();
    for (const [id, { clientSecret, ...record }] of pending) {
      const hash =
        clientSecret !== undefined ? clientSecretHash(clientSecret) : record.clientSecretHash;
      out.set(id, deepFreeze({ ...record, clientSecretHash: hash }));
    }
    return out;
  };
  return {
    async get(clientId) {
      loaded ??= load();
      // Frozen at load: handed out as is, not copied per request.
      return (await loaded).get(clientId);
    },
  };
}
