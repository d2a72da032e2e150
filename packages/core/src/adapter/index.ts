// `@authcore/core/adapter`: the kit the framework adapters share. Not needed to use authcore.

// Shared with @authcore/issuer (one cache type, one bounded body reader, one constant-time
// compare across the packages); not needed by apps.
export { BoundedCache, type BoundedCacheOptions } from '../lib/bounded-cache.js';
export { type BoundedSource, readBounded } from '../lib/read-bounded.js';
export { timingSafeEqual } from '../lib/timing-safe-equal.js';
export { type AdapterOutcome, authenticateFor } from './authenticate.js';
export type { Refusal } from './refusal.js';
export { guardScopes, PASSAGE } from './scopes.js';
export { type AdapterOptions, type AdapterSetup, adapterSetup, forwardsErrors } from './setup.js';
