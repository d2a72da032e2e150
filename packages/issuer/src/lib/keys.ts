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

export type SigningAlgorithm = 'ES256' | 'ES384' | 'EdDSA' | 'PS256' | 'RS256';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = [
  'ES256',
  'ES384',
  'EdDSA',
  'PS256',
  'RS256',
];

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** When it stopped signing; published until `retiredAt + grace`. */
  retiredAt?: number;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

async function fromPrivateJwk(jwk: JWK, alg: SigningAlgorithm): Promise<SigningKey> {
  if (typeof jwk.d !== 'string') throw new TypeError('issuer: `keys` must be private JWKs');
  const privateKey = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey;
  const pub: JWK = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete pub[member];
  delete pub.key_ops;
  delete pub.ext;
  const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
  return { kid, privateKey, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

async function generate(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return { kid, privateKey, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

/** The signing key, the previous keys still published, and rotation between them. */
export class KeyRing {
  private keys: Promise<SigningKey[]>;
  private resolver: { keys: SigningKey[]; get: JWTVerifyGetKey } | undefined;

  constructor(
    readonly alg: SigningAlgorithm,
    private readonly graceMs: number,
    private readonly now: () => number,
    initial?: readonly JWK[],
  ) {
    this.keys = (async () => {
      if (!initial || initial.length === 0) return [await generate(alg)];
      const t = now();
      const loaded = await Promise.all(initial.map((jwk) => fromPrivateJwk(jwk, alg)));
      return loaded.map((key, i) => (i === 0 ? key : { ...key, retiredAt: t }));
    })();
    // Surface a bad key at first use, not as an unhandled rejection.
    this.keys.catch(() => {});
  }

  async current(): Promise<SigningKey> {
    return (await this.keys)[0]!;
  }

  /** Signs with a new key from now on; the previous one stays published for the grace period. */
  async rotate(): Promise<string> {
    const fresh = await generate(this.alg);
    const previous = await this.keys;
    const t = this.now();
    this.keys = Promise.resolve([
      fresh,
      ...previous.map((key) => (key.retiredAt === undefined ? { ...key, retiredAt: t } : key)),
    ]);
    this.resolver = undefined;
    return fresh.kid;
  }

  private async published(): Promise<SigningKey[]> {
    const t = this.now();
    const all = await this.keys;
    const live = all.filter((k) => k.retiredAt === undefined || t < k.retiredAt + this.graceMs);
    if (live.length !== all.length) this.keys = Promise.resolve(live);
    return live;
  }

  /** Public keys only: the signing key and those within their grace period. */
  async jwks(): Promise<JSONWebKeySet> {
    return { keys: (await this.published()).map((k) => ({ ...k.publicJwk })) };
  }

  /** A jose key resolver over the published keys, for verifying tokens this issuer signed. */
  async verifier(): Promise<JWTVerifyGetKey> {
    const keys = await this.published();
    if (
      this.resolver?.keys.length !== keys.length ||
      this.resolver.keys.some((k, i) => k !== keys[i])
    ) {
      this.resolver = {
        keys,
        get: createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) }),
      };
    }
    return this.resolver.get;
  }
}
