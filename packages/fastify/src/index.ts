import './types.js';

export type {
  AdapterOptions,
  AuthError,
  Principal,
  Register,
  ResourceMetadataOptions,
  ScopeRequirement,
} from '@authcore/core';
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
