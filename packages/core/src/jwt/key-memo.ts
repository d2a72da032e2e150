import type { JWTHeaderParameters, JWTVerifyGetKey } from 'jose';

export type VerificationKey = Awaited<ReturnType<JWTVerifyGetKey>>;

// Kept apart from any `kid` string: a token without `kid` and one with `kid: ""` are not the same
// question to jose's selection.
const NO_KID = Symbol('no kid');

/**
 * The key jose's JWKS selection chose for an (`alg`, `kid`) pair. Selection reads nothing else of
 * a token, so for one set of keys the answer never changes: a hit skips jose's walk of the set and
 * a promise. Bounded: a key without `kid` answers whatever `kid` a token names.
 */
export class KeyMemo {
  #byAlg = new Map<string, Map<string | symbol, VerificationKey>>();
  #size = 0;

  static readonly MAX_ENTRIES = 64;

  #slot(header: JWTHeaderParameters): string | symbol | undefined {
    const { kid } = header;
    if (kid === undefined) return NO_KID;
    return typeof kid === 'string' ? kid : undefined;
  }

  get(header: JWTHeaderParameters): VerificationKey | undefined {
    const slot = this.#slot(header);
    if (slot === undefined || typeof header.alg !== 'string') return undefined;
    return this.#byAlg.get(header.alg)?.get(slot);
  }

  set(header: JWTHeaderParameters, key: VerificationKey): void {
    const slot = this.#slot(header);
    if (slot === undefined || typeof header.alg !== 'string') return;
    if (this.#size >= KeyMemo.MAX_ENTRIES) {
      this.#byAlg.clear();
      this.#size = 0;
    }
    let byKid = this.#byAlg.get(header.alg);
    if (!byKid) {
      byKid = new Map();
      this.#byAlg.set(header.alg, byKid);
    }
    if (!byKid.has(slot)) this.#size++;
    byKid.set(slot, key);
  }
}
