import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { KeyStore, StoredKeySet, StoredSigningKey } from '../stores/keys.js';
import { open, seal } from './seal.js';

export type SigningAlgorithm = 'ES256' | 'ES384' | 'EdDSA' | 'PS256' | 'RS256';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = [
  'ES256',
  'ES384',
  'EdDSA',
  'PS256',
  'RS256',
];

/** Most keys a set holds (the signing key, pending ones, retired ones in their grace period). */
export const MAX_KEYS = 32;
/** Least time between two reads of the store after a failure or an unknown `kid`. */
const RETRY_MS = 1_000;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  activatesAt: number;
  stored: StoredSigningKey;
}

/** The key set as one instance last read it, newest first. */
interface View {
  version: number;
  keys: SigningKey[];
  readAt: number;
  resolver?: { kids: string; get: JWTVerifyGetKey };
}

export interface KeyRingOptions {
  alg: SigningAlgorithm;
  /** How long a retired key stays published, in ms. */
  graceMs: number;
  /** Access-token lifetime in ms. */
  tokenTtlMs: number;
  /**
   * A view older than this is read again before use, in ms; a new key is published this long
   * before it signs, so that every instance has it by then. 0 for a store only this process uses.
   */
  refreshMs: number;
  /** Rotate when the newest key is this old, in ms. */
  rotateEveryMs?: number | undefined;
  store: KeyStore;
  sealingKey: Promise<CryptoKey>;
  /** Private JWKs for a store that holds nothing yet: the first signs, the rest are retired. */
  initial?: readonly JWK[] | undefined;
  now: () => number;
  onError: (error: unknown) => void;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function publicPart(jwk: JWK): JWK {
  const pub: JWK = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete pub[member];
  delete pub.key_ops;
  delete pub.ext;
  delete pub.use;
  delete pub.alg;
  delete pub.kid;
  return pub;
}

/** The index of the key signing at `t`: the newest already active. */
function signingIndex(keys: readonly SigningKey[], t: number): number {
  return keys.findIndex((k) => k.activatesAt <= t);
}

/** Keys published at `t`: pending, signing, and retired ones within their grace period. */
function published(keys: readonly SigningKey[], t: number, graceMs: number): SigningKey[] {
  const current = signingIndex(keys, t);
  if (current < 0) return [...keys];
  // A key retires when the next newer one activates.
  return keys.filter((_, i) => i <= current || t < keys[i - 1]!.activatesAt + graceMs);
}

/**
 * The signing key, the keys still published, and rotation between them, in a key store that
 * every instance of the issuer reads: each signs with the same key and publishes the same JWKS.
 *
 * An instance reads the store again when its view is older than `refreshMs` (before answering,
 * so it never serves an older view while the store answers) and, at most once a second, on a
 * `kid` it does not know. A rotation writes a new key that activates `refreshMs` later: every
 * instance publishes it before any token is signed with it. Writes are compare-and-set, so
 * concurrent rotations leave one new key. When the store fails, an instance keeps its last view
 * for as long as tokens it signs cannot outlive the published keys (`grace - ttl` after the last
 * read); past that it refuses to sign.
 */
export class KeyRing {
  readonly alg: SigningAlgorithm;
  readonly #o: KeyRingOptions;
  #view: View | undefined;
  #viewSeq = 0;
  #seq = 0;
  #loading: Promise<View> | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;
  #unknownAt = Number.NEGATIVE_INFINITY;
  #decoded = new Map<string, SigningKey>();

  constructor(options: KeyRingOptions) {
    this.#o = options;
    this.alg = options.alg;
    // Surface a bad sealing key at first use, not as an unhandled rejection.
    options.sealingKey.catch(() => {});
  }

  /** The key to sign with now. */
  async current(): Promise<SigningKey> {
    const view = await this.#fresh();
    const key = view.keys[signingIndex(view.keys, this.#o.now())];
    if (!key) throw new Error('issuer: no signing key is active');
    return key;
  }

  /** Public keys only: pending, signing, and retired keys within their grace period. */
  async jwks(): Promise<JSONWebKeySet> {
    const view = await this.#fresh();
    return {
      keys: published(view.keys, this.#o.now(), this.#o.graceMs).map((k) => ({ ...k.publicJwk })),
    };
  }

  /**
   * A jose key resolver over the published keys, for verifying tokens this issuer signed. A
   * `kid` it does not know makes it read the store again (at most once a second).
   */
  async verifier(): Promise<JWTVerifyGetKey> {
    const view = await this.#fresh();
    return async (header, token) => {
      const t = this.#o.now();
      let using = view;
      if (
        typeof header.kid === 'string' &&
        !view.keys.some((k) => k.kid === header.kid) &&
        t - this.#unknownAt >= RETRY_MS
      ) {
        this.#unknownAt = t;
        using = await this.#reload();
      }
      return this.#resolver(using, t)(header, token);
    };
  }

  /**
   * Writes a new key that signs from `refreshMs` from now (at once with a store of this process
   * only); the one it replaces stays published for the grace period. When another instance
   * rotated at the same time, its key is the new one. Returns the new `kid`.
   */
  async rotate(): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const base = await this.#reload();
      const rotated = await this.#rotateFrom(base);
      if (rotated) return rotated.keys[0]!.kid;
      const after = await this.#reload();
      if (after.keys[0]!.kid !== base.keys[0]!.kid) return after.keys[0]!.kid;
    }
    throw new Error('issuer: could not rotate keys: the key set kept changing');
  }

  #resolver(view: View, t: number): JWTVerifyGetKey {
    const keys = published(view.keys, t, this.#o.graceMs);
    const kids = keys.map((k) => k.kid).join(' ');
    if (view.resolver?.kids !== kids)
      view.resolver = { kids, get: createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) }) };
    return view.resolver.get;
  }

  /** Whether tokens signed now with this view's key cannot outlive the keys others publish. */
  #usable(view: View, t: number): boolean {
    return t - view.readAt <= this.#o.graceMs - this.#o.tokenTtlMs;
  }

  /** The view to answer with: read again when older than `refreshMs`, the last one if usable. */
  async #fresh(): Promise<View> {
    const t = this.#o.now();
    const view = this.#view;
    if (view && t - view.readAt < this.#o.refreshMs) return view;
    // The store failed a moment ago: no new attempt per request.
    if (view && t - this.#failedAt < RETRY_MS && this.#usable(view, t)) return view;
    try {
      return await this.#reload();
    } catch (error) {
      const last = this.#view;
      if (!last || !this.#usable(last, this.#o.now())) throw error;
      this.#o.onError(error);
      return last;
    }
  }

  /** One read of the store at a time; rejects when the store fails. */
  #reload(): Promise<View> {
    this.#loading ??= this.#read().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #read(): Promise<View> {
    const seq = ++this.#seq;
    try {
      let view = await this.#load();
      if (this.#rotationDue(view)) {
        try {
          view = (await this.#rotateFrom(view)) ?? (await this.#load());
        } catch (error) {
          this.#o.onError(error);
        }
      }
      this.#adopt(view, seq);
      this.#failedAt = Number.NEGATIVE_INFINITY;
      return this.#view!;
    } catch (error) {
      this.#failedAt = this.#o.now();
      throw error;
    }
  }

  #adopt(view: View, seq: number) {
    // A read that began before a later one finished must not replace its newer view.
    if (seq < this.#viewSeq) return;
    this.#viewSeq = seq;
    this.#view = view;
  }

  #rotationDue(view: View): boolean {
    const every = this.#o.rotateEveryMs;
    return every !== undefined && view.keys[0]!.activatesAt + every <= this.#o.now();
  }

  /** Reads the store; seeds it when empty (first start, or lost: the last view goes back). */
  async #load(): Promise<View> {
    const readAt = this.#o.now();
    const stored = await this.#o.store.get();
    if (stored) return this.#open(stored, readAt);
    const last = this.#view;
    const keys = last
      ? published(last.keys, readAt, this.#o.graceMs)
      : await this.#initialKeys(readAt);
    const seed: StoredKeySet = {
      version: (last?.version ?? 0) + 1,
      keys: keys.map((k) => k.stored),
    };
    if (await this.#o.store.compareAndSet(0, seed)) return { version: seed.version, keys, readAt };
    const winner = await this.#o.store.get();
    if (!winner) throw new Error('issuer: the key store lost the key set it just accepted');
    return this.#open(winner, readAt);
  }

  /** Writes a new key over `base`; `undefined` when another writer changed the set first. */
  async #rotateFrom(base: View): Promise<View | undefined> {
    const t = this.#o.now();
    const fresh = await this.#generate(t, t + this.#o.refreshMs);
    const keys = [fresh, ...published(base.keys, t, this.#o.graceMs)];
    if (keys.length > MAX_KEYS)
      throw new Error(
        `issuer: rotating would keep more than ${MAX_KEYS} keys published: rotate less often`,
      );
    const next: StoredKeySet = { version: base.version + 1, keys: keys.map((k) => k.stored) };
    const seq = ++this.#seq;
    if (!(await this.#o.store.compareAndSet(base.version, next))) return undefined;
    const view = { version: next.version, keys, readAt: t };
    this.#adopt(view, seq);
    return view;
  }

  async #open(stored: StoredKeySet, readAt: number): Promise<View> {
    if (
      !Number.isSafeInteger(stored?.version) ||
      !Array.isArray(stored.keys) ||
      stored.keys.length === 0 ||
      stored.keys.length > MAX_KEYS
    )
      throw new Error('issuer: the stored key set is malformed');
    const decoded = new Map<string, SigningKey>();
    const keys: SigningKey[] = [];
    for (const record of stored.keys) {
      const id = `${record.kid}.${record.sealed}.${record.activatesAt}`;
      const key = this.#decoded.get(id) ?? (await this.#decode(record));
      decoded.set(id, key);
      keys.push(key);
    }
    // Only the keys of the latest set stay decoded: the cache is bounded by MAX_KEYS.
    this.#decoded = decoded;
    keys.sort((a, b) => b.activatesAt - a.activatesAt);
    return { version: stored.version, keys, readAt };
  }

  async #decode(record: StoredSigningKey): Promise<SigningKey> {
    if (
      typeof record?.kid !== 'string' ||
      typeof record.sealed !== 'string' ||
      !Number.isFinite(record.activatesAt)
    )
      throw new Error('issuer: a stored signing key is malformed');
    const jwk = JSON.parse(await open(await this.#o.sealingKey, record.sealed, record.kid)) as JWK;
    if (jwk.kid !== record.kid || jwk.alg !== this.alg || typeof jwk.d !== 'string')
      throw new Error(`issuer: the stored key ${record.kid} is not an ${this.alg} private key`);
    const { key_ops: _ops, ext: _ext, ...clean } = jwk;
    const privateKey = (await importJWK(clean, this.alg, { extractable: false })) as CryptoKey;
    return {
      kid: record.kid,
      privateKey,
      publicJwk: { ...publicPart(jwk), kid: record.kid, alg: this.alg, use: 'sig' },
      activatesAt: record.activatesAt,
      stored: record,
    };
  }

  /** Seals a private JWK into a stored key, and opens it as the others are. */
  async #store(jwk: JWK, createdAt: number, activatesAt: number): Promise<SigningKey> {
    const kid = jwk.kid ?? (await calculateJwkThumbprint(publicPart(jwk)));
    const { key_ops: _ops, ext: _ext, use: _use, ...clean } = jwk;
    const plain = JSON.stringify({ ...clean, kid, alg: this.alg });
    const sealed = await seal(await this.#o.sealingKey, plain, kid);
    return this.#decode({ kid, activatesAt, createdAt, sealed });
  }

  async #generate(createdAt: number, activatesAt: number): Promise<SigningKey> {
    const { privateKey } = await generateKeyPair(this.alg, { extractable: true });
    return this.#store(await exportJWK(privateKey), createdAt, activatesAt);
  }

  async #initialKeys(t: number): Promise<SigningKey[]> {
    const initial = this.#o.initial ?? [];
    if (initial.length === 0) return [await this.#generate(t, t)];
    if (initial.length > MAX_KEYS) throw new TypeError(`issuer: at most ${MAX_KEYS} \`keys\``);
    return Promise.all(
      initial.map((jwk, i) => {
        if (typeof jwk?.d !== 'string') throw new TypeError('issuer: `keys` must be private JWKs');
        // The first signs from now; the others retired just before it, one ms apart.
        return this.#store(jwk, t, t - i);
      }),
    );
  }
}
