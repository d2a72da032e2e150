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
export { type ClientConfig, hashSecret, memoryClientStore } from './stores/clients.js';
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
} from './stores/memory.js';
export type {
  ClientRecord,
  ClientStore,
  CodeRecord,
  CodeStore,
  Consumed,
  GrantType,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationStore,
  TrackedAccessToken,
} from './stores/types.js';
