import { OAuthError } from '../lib/http.js';
import { checkClientMetadata, type MetadataPolicy } from '../registration/metadata.js';
import type { ClientRecord } from '../stores/types.js';
import { addressKind } from './address.js';
import { type DocumentCacheStore, memoryDocumentCache } from './cache.js';
import type { DocumentFetcher } from './types.js';

export interface DocumentPolicy {
  fetch: DocumentFetcher;
  allowUrl: ((url: URL) => boolean | Promise<boolean>) | undefined;
  allowLoopback: boolean;
  timeoutMs: number;
  maxBytes: number;
  cacheEntries: number;
  /** Where documents are cached; default in this process, at most `cacheEntries`. */
  cache: DocumentCacheStore | undefined;
  /** Told about a cache that fails (the document is then fetched, or not cached). */
  onError: (error: unknown) => void;
  /** Longest a document is cached, in seconds, whatever its `Cache-Control` says. */
  maxAge: number;
  /** Seconds a document without `max-age` is cached. */
  defaultMaxAge: number;
  scopes: readonly string[];
  audience: readonly string[];
  now: () => number;
}

const MAX_URL = 2000;
const MAX_CONCURRENT_FETCHES = 64;
// One description for every failure: the client learns nothing about our network or checks.
const refused = () =>
  new OAuthError('invalid_client', 'the client metadata document could not be used');

/**
 * Whether a `client_id` names a metadata document (rather than a client the issuer holds): any
 * http(s) URL, so that an http one is refused as a document rather than looked up.
 */
export function looksLikeDocumentUrl(clientId: string): boolean {
  return clientId.startsWith('https://') || clientId.startsWith('http://');
}

/** draft-ietf-oauth-client-id-metadata-document §3: the shapes a client_id URL may take. */
function checkClientIdUrl(clientId: string, allowLoopback: boolean): URL {
  if (clientId.length > MAX_URL) throw refused();
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw refused();
  }
  const loopbackHttp =
    url.protocol === 'http:' &&
    allowLoopback &&
    addressKind(url.hostname.replace(/^\[(.*)\]$/, '$1')) === 'loopback';
  if (url.protocol !== 'https:' && !loopbackHttp) throw refused();
  const segments = url.pathname.split('/');
  if (
    url.href !== clientId || // normalised form only, so that "equal" means equal
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    clientId.includes('#') ||
    url.pathname === '/' ||
    segments.some((s) => s === '.' || s === '..' || /^%2e(%2e)?$/i.test(s))
  )
    throw refused();
  return url;
}

function cacheSeconds(header: string | null, policy: DocumentPolicy): number {
  const fallback = Math.min(policy.defaultMaxAge, policy.maxAge);
  if (header === null) return fallback;
  const directives = header
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  if (maxAge === undefined) return fallback;
  const seconds = Number(maxAge.slice('max-age='.length));
  return Number.isInteger(seconds) && seconds >= 0 ? Math.min(seconds, policy.maxAge) : fallback;
}

const DOCUMENT_METADATA: Omit<MetadataPolicy, 'scopes'> = {
  grantTypes: ['authorization_code', 'refresh_token'],
  authMethods: ['none'],
  defaultAuthMethod: 'none',
};

/**
 * Clients named by a metadata document URL: fetched with the policy's fetcher, checked, and
 * cached within bounds (age, honouring `Cache-Control`; entries, or the shared store's own). Concurrent lookups of one
 * URL share one fetch. Every failure is `invalid_client` with one fixed description.
 */
export function metadataDocumentClients(policy: DocumentPolicy) {
  const cache =
    policy.cache ?? memoryDocumentCache({ maxEntries: policy.cacheEntries, now: policy.now });
  const pending = new Map<string, Promise<ClientRecord>>();

  async function load(url: URL): Promise<ClientRecord> {
    if (policy.allowUrl && (await policy.allowUrl(new URL(url.href))) !== true) throw refused();
    const response = await withDeadline(
      policy.fetch(url, {
        timeoutMs: policy.timeoutMs,
        maxBytes: policy.maxBytes,
        allowLoopback: policy.allowLoopback,
      }),
      policy.timeoutMs,
    ).catch((cause: unknown) => {
      throw Object.assign(refused(), { cause });
    });
    const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (
      response.status !== 200 ||
      response.body.byteLength > policy.maxBytes ||
      (type !== 'application/json' && !type?.endsWith('+json'))
    )
      throw refused();
    let document: unknown;
    try {
      document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
    } catch {
      throw refused();
    }
    const d = document as Record<string, unknown> | null;
    // The document must name itself exactly, and a public client has no secret.
    if (
      typeof d !== 'object' ||
      d === null ||
      d.client_id !== url.href ||
      'client_secret' in d ||
      'client_secret_expires_at' in d
    )
      throw refused();
    let metadata: ReturnType<typeof checkClientMetadata>;
    try {
      metadata = checkClientMetadata(d, { ...DOCUMENT_METADATA, scopes: policy.scopes });
    } catch {
      throw refused();
    }
    const record: ClientRecord = {
      clientId: url.href,
      redirectUris: metadata.redirect_uris,
      scopes: metadata.scope === '' ? [] : metadata.scope.split(' '),
      audience: [...policy.audience],
      grantTypes: metadata.grant_types,
      provenance: 'metadata_document',
      clientName: metadata.client_name,
      clientUri: metadata.client_uri,
      logoUri: metadata.logo_uri,
    };
    const seconds = cacheSeconds(response.headers.get('cache-control'), policy);
    // A cache that fails only costs a fetch next time.
    if (seconds > 0)
      await cache.set(url.href, record, policy.now() + seconds * 1000).catch(policy.onError);
    return record;
  }

  return {
    /** The client a document URL describes; throws `invalid_client` when it cannot be used. */
    async get(clientId: string): Promise<ClientRecord> {
      const url = checkClientIdUrl(clientId, policy.allowLoopback);
      // A cache that fails is a miss: the document itself decides.
      const hit = await cache.get(url.href).catch((error: unknown) => {
        policy.onError(error);
        return undefined;
      });
      if (hit && hit.clientId === url.href && hit.provenance === 'metadata_document')
        return structuredClone(hit);
      let loading = pending.get(url.href);
      if (!loading) {
        // Bounded, like everything a client can make the issuer do.
        if (pending.size >= MAX_CONCURRENT_FETCHES) throw refused();
        loading = load(url).finally(() => pending.delete(url.href));
        pending.set(url.href, loading);
      }
      return structuredClone(await loading);
    },
  };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the document fetch timed out')), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
