import type { DocumentCacheStore } from '../cimd/cache.js';
import type { DocumentFetcher } from '../cimd/types.js';
import type { GrantType, RegisteredClientStore } from '../stores/types.js';
import type { ClientMetadata } from './metadata.js';

/**
 * What a client the host did not configure may get: clients that register themselves (RFC 7591)
 * and clients named by a metadata document URL.
 */
export interface DynamicClientPolicy {
  /** Audiences (RFC 8707 resources) their tokens may carry; the first is the default. Required. */
  audience: string | readonly string[];
  /** Scopes they may be granted; a client that names none gets all of them. Default none. */
  scopes?: readonly string[];
}

/** The host's refusal of a registration request (RFC 7591 §3.2.2). */
export interface RegistrationRefusal {
  error: 'invalid_redirect_uri' | 'invalid_client_metadata';
  errorDescription?: string;
}

/**
 * Reviews a registration after the issuer's own checks: return the metadata (edited or not:
 * it is checked again) or a refusal. For example, allow only some redirect hosts.
 */
export type RegistrationReview = (
  metadata: ClientMetadata,
  request: Request,
) => ClientMetadata | RegistrationRefusal | Promise<ClientMetadata | RegistrationRefusal>;

/** `true` lets the request through; `{ retryAfter }` (seconds) refuses it with a 429. */
export type RateLimitDecision = true | { retryAfter: number };

/** Dynamic client registration (RFC 7591, with RFC 7592 read and delete). Off unless given. */
export interface RegistrationOptions {
  /**
   * `open`: anyone may register. `initial_access_token`: only a request with
   * `Authorization: Bearer <initialAccessToken>` (RFC 7591 §3).
   */
  policy: 'open' | 'initial_access_token';
  /** The token, or a check of it, for `policy: 'initial_access_token'`. */
  initialAccessToken?: string | ((token: string, request: Request) => boolean | Promise<boolean>);
  /** Where registered clients live. Default in memory, holding at most `maxClients`. */
  store?: RegisteredClientStore;
  /** Most clients the default memory store holds. Default 1000. */
  maxClients?: number;
  /**
   * Grant types a registered client may have. Default `authorization_code` and `refresh_token`:
   * `client_credentials` would let anyone who may register mint tokens with no user.
   */
  grantTypes?: readonly GrantType[];
  /**
   * Seconds a registration lasts (a confidential client's `client_secret_expires_at`); after it
   * the client is unknown. 0 keeps it until deleted. Default 0.
   */
  clientTtl?: number;
  review?: RegistrationReview;
  /** Asked first for every registration request, e.g. a `rate-limiter-flexible` limiter by IP. */
  rateLimit?: (request: Request) => RateLimitDecision | Promise<RateLimitDecision>;
}

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a `client_id`
 * that is an https URL is fetched as the client's metadata. Off unless given.
 */
export interface ClientMetadataDocumentOptions {
  /** The fetcher; default `nodeDocumentFetcher()` (needs `node:https` and `node:dns`). */
  fetch?: DocumentFetcher;
  /**
   * Development only: documents may be fetched from loopback addresses (`127.0.0.1`, `::1`,
   * names resolving to them), over http or https. Default false.
   */
  allowLoopback?: boolean;
  /**
   * Asked before any fetch, with the checked `client_id` URL: `false` refuses it (e.g. allow
   * only the client domains you trust). Default: every public https URL.
   */
  allowUrl?: (url: URL) => boolean | Promise<boolean>;
  /** Deadline for one fetch, in ms, 100 to 10000. Default 3000. */
  timeoutMs?: number;
  /** Largest document, in bytes, 512 to 65536. Default 5120. */
  maxBytes?: number;
  /** Most documents cached in this process (without `cache`). Default 1000. */
  cacheEntries?: number;
  /**
   * Where checked documents are cached: default in this process. Give a shared store
   * (`RedisDocumentCache` from `@authcore/redis`) so that instances fetch a document once
   * between them. A cache that fails is a miss (the document is fetched).
   */
  cache?: DocumentCacheStore;
  /** Longest a document is cached, in seconds, whatever its `Cache-Control`. Default 3600. */
  maxAge?: number;
  /** Seconds a document without `Cache-Control: max-age` is cached. Default 300. */
  defaultMaxAge?: number;
}
