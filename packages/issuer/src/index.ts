export { type AddressKind, addressKind } from './cimd/address.js';
export { type DocumentCacheStore, memoryDocumentCache } from './cimd/cache.js';
export {
  DocumentFetchError,
  type NodeDocumentFetcherOptions,
  nodeDocumentFetcher,
} from './cimd/node-fetcher.js';
export type { DocumentFetcher, DocumentFetchLimits, DocumentResponse } from './cimd/types.js';
export type { IntrospectionResponse } from './endpoints/introspect.js';
export type { AuthorizationServerMetadata } from './endpoints/metadata.js';
export { createIssuer, type Issuer } from './issuer.js';
export type { OAuthErrorCode } from './lib/http.js';
export type { SigningAlgorithm } from './lib/keys.js';
export {
  type FetchHandler,
  type NodeIncomingLike,
  type NodeListenerOptions,
  type NodeResponseLike,
  sendWebResponse,
  toNodeListener,
  toWebRequest,
} from './node.js';
export type {
  AuthorizeContext,
  AuthorizeDecision,
  AuthorizeHook,
  ClientInfo,
  EndpointName,
  IssuerOptions,
  IssuerStores,
} from './options.js';
export type { ClientMetadata } from './registration/metadata.js';
export type {
  ClientMetadataDocumentOptions,
  DynamicClientPolicy,
  RateLimitDecision,
  RegistrationOptions,
  RegistrationRefusal,
  RegistrationReview,
} from './registration/options.js';
export {
  type ClientConfig,
  clientSecretHash,
  hashSecret,
  memoryClientStore,
} from './stores/clients.js';
export {
  type KeyStore,
  memoryKeyStore,
  type StoredKeySet,
  type StoredSigningKey,
} from './stores/keys.js';
export {
  type MemoryStoreOptions,
  memoryCodeStore,
  memoryRefreshTokenStore,
  memoryRevocationStore,
  type Sized,
} from './stores/memory.js';
export {
  type MemoryRegisteredClientStoreOptions,
  memoryRegisteredClientStore,
} from './stores/registered.js';
export type {
  ClientProvenance,
  ClientRecord,
  ClientStore,
  CodeRecord,
  CodeStore,
  Consumed,
  GrantType,
  RefreshTokenRecord,
  RefreshTokenStore,
  RegisteredClientStore,
  RegistrationRecord,
  RevocationStore,
  TokenEndpointAuthMethod,
  TrackedAccessToken,
} from './stores/types.js';
export { MAX_TRACKED_ACCESS_TOKENS } from './stores/types.js';
