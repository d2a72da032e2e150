import { looksLikeDocumentUrl, metadataDocumentClients } from '../cimd/documents.js';
import { nodeDocumentFetcher } from '../cimd/node-fetcher.js';
import { digestsEqual, sha256 } from '../lib/crypto.js';
import { integerOption } from '../lib/options.js';
import type { IssuerOptions } from '../options.js';
import { memoryRegisteredClientStore } from '../stores/registered.js';
import type { ClientStore, GrantType } from '../stores/types.js';
import { type RegistrationConfig, registrationEndpoint } from './endpoint.js';

export interface DynamicClients {
  /** The configured clients, then metadata documents, then registered clients. */
  clients: ClientStore;
  /** The registration endpoint, when registration is on. */
  register: ((request: Request) => Promise<Response>) | undefined;
  /** Scopes dynamic clients may have, for `scopes_supported`. */
  scopes: readonly string[];
  metadataDocuments: boolean;
}

const fail = (message: string): never => {
  throw new TypeError(`createIssuer: ${message}`);
};

const GRANTS: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];

/** Validates the registration and metadata document options once, at construction. */
export function setupDynamicClients(
  options: IssuerOptions,
  configured: ClientStore,
  registrationUrl: string,
  now: () => number,
): DynamicClients {
  const { registration, clientMetadataDocuments: documents } = options;
  if (!registration && !documents)
    return { clients: configured, register: undefined, scopes: [], metadataDocuments: false };

  const policy =
    options.dynamicClients ??
    fail('`dynamicClients` is required with `registration` or `clientMetadataDocuments`');
  const audience =
    typeof policy.audience === 'string' ? [policy.audience] : [...(policy.audience ?? [])];
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === ''))
    fail('`dynamicClients.audience` must name at least one audience');
  const scopes = [...(policy.scopes ?? [])];
  for (const scope of scopes)
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))
      fail(`\`dynamicClients.scopes\` has an invalid scope ${JSON.stringify(scope)}`);

  let register: DynamicClients['register'];
  let store: RegistrationConfig['store'] | undefined;
  if (registration) {
    if (registration.policy !== 'open' && registration.policy !== 'initial_access_token')
      fail('`registration.policy` must be open or initial_access_token');
    let check: RegistrationConfig['initialAccessToken'];
    const iat = registration.initialAccessToken;
    if (registration.policy === 'initial_access_token') {
      if (typeof iat === 'string') {
        if (iat.length < 16)
          fail('`registration.initialAccessToken` must be at least 16 characters');
        const expected = sha256(iat);
        check = async (token) => digestsEqual(await sha256(token), await expected);
      } else if (typeof iat === 'function') {
        check = async (token, request) => (await iat(token, request)) === true;
      } else fail('`registration.initialAccessToken` is required with policy initial_access_token');
    }
    const grantTypes = [...(registration.grantTypes ?? ['authorization_code', 'refresh_token'])];
    if (grantTypes.length === 0 || grantTypes.some((g) => !GRANTS.includes(g)))
      fail('`registration.grantTypes` has an unknown grant type');
    store =
      registration.store ??
      memoryRegisteredClientStore({ maxClients: registration.maxClients ?? 1000, now });
    register = registrationEndpoint({
      url: registrationUrl,
      realm: options.issuer,
      store,
      policy: registration.policy,
      initialAccessToken: check,
      metadata: {
        scopes,
        grantTypes,
        authMethods: ['none', 'client_secret_basic', 'client_secret_post'],
        defaultAuthMethod: 'client_secret_basic',
      },
      audience,
      clientTtl: integerOption(
        'registration.clientTtl',
        registration.clientTtl,
        0,
        0,
        10 * 366 * 24 * 3600,
      ),
      review: registration.review,
      rateLimit: registration.rateLimit,
      now,
    });
  }

  const allowLoopback = documents?.allowLoopback === true;
  const byDocument = documents
    ? metadataDocumentClients({
        fetch: documents.fetch ?? nodeDocumentFetcher(),
        allowUrl: documents.allowUrl,
        allowLoopback,
        timeoutMs: integerOption(
          'clientMetadataDocuments.timeoutMs',
          documents.timeoutMs,
          3000,
          100,
          10_000,
        ),
        maxBytes: integerOption(
          'clientMetadataDocuments.maxBytes',
          documents.maxBytes,
          5120,
          512,
          65_536,
        ),
        cacheEntries: integerOption(
          'clientMetadataDocuments.cacheEntries',
          documents.cacheEntries,
          1000,
          1,
          100_000,
        ),
        cache: documents.cache,
        onError: options.onError ?? (() => {}),
        maxAge: integerOption(
          'clientMetadataDocuments.maxAge',
          documents.maxAge,
          3600,
          0,
          24 * 3600,
        ),
        defaultMaxAge: integerOption(
          'clientMetadataDocuments.defaultMaxAge',
          documents.defaultMaxAge,
          300,
          0,
          24 * 3600,
        ),
        scopes,
        audience,
        now,
      })
    : undefined;

  const clients: ClientStore = {
    async get(clientId) {
      const known = await configured.get(clientId);
      if (known) return known;
      if (byDocument && looksLikeDocumentUrl(clientId)) return byDocument.get(clientId);
      if (!store) return undefined;
      const record = await store.get(clientId);
      // A registration past its end is gone, whatever the store still holds.
      if (!record || (record.expiresAt !== undefined && record.expiresAt <= now()))
        return undefined;
      return record;
    },
  };
  return { clients, register, scopes, metadataDocuments: byDocument !== undefined };
}
