import type { Answer, Incoming } from './exchange.js';

/**
 * Each issuer's handler below its `fetch`, for `toNodeListener`: it serves a Node request
 * without a Web `Request`/`Response`. A WeakMap, not a property: the public type is unchanged.
 */
export const internalHandlers = new WeakMap<object, (incoming: Incoming) => Promise<Answer>>();
