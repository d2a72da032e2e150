import type { JWTHeaderParameters, JWTVerifyGetKey } from 'jose';
import { BoundedCache } from '../lib/bounded-cache.js';

export type VerificationKey = Awaited<ReturnType<JWTVerifyGetKey>>;

/**
 * The key jose's JWKS selection chose for an (`alg`, `kid`) pair. Selection reads nothing else of
 * a token, so for one set of keys the answer never changes: a hit skips jose's walk of the set and
 * a promise. Bounded: a key without `kid` answers whatever `kid` a token names.
 */
export type KeyMemo = BoundedCache<string, VerificationKey>;

export const keyMemo = (): KeyMemo => new BoundedCache({ maxEntries: 64 });

/**
 * The memo's key for a header, `undefined` when not to be remembered (a `kid` that is no string).
 * jose calls the key source only once `alg` is one of the allowed names, which hold no space: a
 * token without `kid` (`ES256`) and one with `kid: ""` (`ES256 `) are not the same question.
 */
export function selectionOf({ alg, kid }: JWTHeaderParameters): string | undefined {
  if (typeof alg !== 'string') return undefined;
  if (kid === undefined) return alg;
  return typeof kid === 'string' ? `${alg} ${kid}` : undefined;
}
