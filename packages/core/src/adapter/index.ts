// `@authcore/core/adapter`: the kit the framework adapters share. Not needed to use authcore.
export { type AdapterOutcome, authenticateFor } from './authenticate.js';
export type { Refusal } from './refusal.js';
export { guardScopes } from './scopes.js';
export { type AdapterOptions, type AdapterSetup, adapterSetup, forwardsErrors } from './setup.js';
