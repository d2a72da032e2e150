import './types.js';

export {
  AuthError,
  isAuthError,
  type Principal,
  type Register,
  type ResourceMetadataOptions,
  type ScopeRequirement,
} from '@authcore/core';
export type { AdapterOptions } from '@authcore/core/adapter';
export { type AuthHook, authenticate } from './authenticate.js';
export { authcore } from './plugin.js';
export { requireScopes } from './require-scopes.js';
export { resourceMetadata } from './resource-metadata.js';
export type {
  AuthcorePluginOptions,
  FastifyAuthOptions,
  RequireScopesOptions,
  RouteAuthOptions,
} from './types.js';
