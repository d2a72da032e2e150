export {
  type GenerateApiKeyOptions,
  type GeneratedApiKey,
  generateApiKey,
} from './apikey/generate.js';
export { MemoryApiKeyStore } from './apikey/memory-store.js';
export { API_KEY_PATTERN, type ParsedApiKey, parseApiKey } from './apikey/parse.js';
export { type ApiKeyRecordOptions, apiKeyRecord } from './apikey/record.js';
export { type RotateApiKeyOptions, type RotatedApiKey, rotateApiKey } from './apikey/rotate.js';
export { type ApiKeyOptions, apiKey } from './apikey/scheme.js';
export type { ApiKeyRecord, ApiKeyStore } from './apikey/types.js';
export {
  type AuthenticateOptions,
  type AuthenticateResult,
  type Authenticator,
  type AuthenticatorOptions,
  createAuthenticator,
  type InferPrincipal,
  type Readiness,
} from './authenticator.js';
export {
  type CheckedProof,
  DPOP_ALGORITHMS,
  type DpopNonce,
  type DpopOptions,
  type DpopOrigins,
  type DpopProofVerifier,
  dpopProofVerifier,
  type ProofResult,
  type ResourceDpopOptions,
} from './dpop/proof.js';
export { MemoryReplayStore, type ReplayStore } from './dpop/replay.js';
export {
  AuthError,
  type AuthErrorCode,
  type AuthErrorOptions,
  type AuthResult,
  type ChallengeScheme,
  isAuthError,
} from './errors.js';
export {
  type Credential,
  type CredentialSlot,
  type CredentialSources,
  type ExtractResult,
  extractCredential,
} from './extract.js';
export { type IntrospectionOptions, introspection } from './introspection/scheme.js';
export {
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  type JwtAlgorithm,
  SYMMETRIC_ALGORITHMS,
  type SymmetricAlgorithm,
} from './jwt/algorithms.js';
export { metadataUrls } from './jwt/discovery.js';
export type { KeyInput, LocalKeys } from './jwt/local-keys.js';
export type { RemoteKeysOptions } from './jwt/remote-keys.js';
export {
  type ClaimsMapping,
  type ClientIdAudience,
  type JwtBaseOptions,
  type JwtKeySource,
  type JwtOptions,
  jwt,
} from './jwt/scheme.js';
export type { FetchLike } from './lib/fetch-json.js';
export {
  type MetadataResponse,
  protectedResourceMetadata,
  type ResourceMetadata,
  type ResourceMetadataOptions,
  resourceMetadataHandler,
  resourceMetadataPath,
  resourceMetadataUrl,
} from './metadata.js';
export type { Logger } from './observe/logger.js';
export type {
  Attributes as TelemetryAttributes,
  MeterLike,
  OtelApiLike,
  TelemetryOptions,
  TracerLike,
} from './observe/telemetry.js';
export type { IntrospectionClaims, OpaquePrincipal } from './principal.js';
export {
  type AnyPrincipal,
  type ApiKeyClaims,
  type ApiKeyPrincipal,
  type JwtClaims,
  type JwtPrincipal,
  type Principal,
  type PrincipalJSON,
  type PrincipalKind,
  principalToJSON,
  type Register,
} from './principal.js';
export { type Auth0Options, auth0 } from './profiles/auth0.js';
export { type CognitoOptions, cognito } from './profiles/cognito.js';
export { type EntraOptions, entra } from './profiles/entra.js';
export { type KeycloakOptions, keycloak } from './profiles/keycloak.js';
export { type OktaOptions, okta } from './profiles/okta.js';
export type { JwtProfile } from './profiles/profile.js';
export type { AuthFailureReason } from './reasons.js';
export { type RenderedError, type RenderOptions, renderAuthError } from './render.js';
export {
  fetchRequestView,
  type NodeRequestLike,
  type NodeRequestViewOptions,
  nodeRequestView,
  type RequestView,
  requestUrl,
} from './request.js';
export type { Scheme, SchemePrincipal } from './scheme.js';
export type { AuthorizablePrincipal } from './scopes.js';
export {
  authorize,
  parseScopes,
  type Requirement,
  type ScopeRequirement,
  scopeRequirement,
} from './scopes.js';
