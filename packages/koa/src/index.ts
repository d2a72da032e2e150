export {
  AuthError,
  isAuthError,
  type Principal,
  type Register,
  type ResourceMetadataOptions,
  type ScopeRequirement,
} from '@authcore/core';
export type { AdapterOptions } from '@authcore/core/adapter';
export { authenticate } from './authenticate.js';
export { requireScopes } from './require-scopes.js';
export { resourceMetadata } from './resource-metadata.js';
export type { AuthState, RequireScopesOptions } from './types.js';
