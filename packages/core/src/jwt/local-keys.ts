import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  exportJWK,
  importSPKI,
  importX509,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { keyMemo, selectionOf } from './key-memo.js';

/** A verification key: a public JWK, a CryptoKey, a Node KeyObject, or PEM (SPKI or X.509). */
export type KeyInput = JWK | CryptoKey | KeyObject | string;
export type LocalKeys = KeyInput | readonly KeyInput[] | JSONWebKeySet;

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

function publicJwk(jwk: JWK): JWK {
  if (jwk.kty === 'oct' || 'k' in jwk) {
    throw new TypeError(
      'jwt: symmetric keys are not verification keys; configure `secret` on purpose',
    );
  }
  const out: Record<string, unknown> = {};
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) out[member] = jwk[member];
  return out as JWK;
}

const isJwks = (keys: LocalKeys): keys is JSONWebKeySet =>
  typeof keys === 'object' &&
  keys !== null &&
  'keys' in keys &&
  Array.isArray((keys as JSONWebKeySet).keys);

const isJwk = (key: KeyInput): key is JWK =>
  typeof key === 'object' && key !== null && typeof (key as JWK).kty === 'string';

async function toJwk(key: KeyInput, algorithms: readonly string[]): Promise<JWK> {
  if (isJwk(key)) return publicJwk(key);
  if (typeof key === 'string') {
    const importer = key.includes('BEGIN CERTIFICATE') ? importX509 : importSPKI;
    // PEM carries no algorithm; the first allowed one that fits its key type imports it.
    for (const alg of algorithms) {
      try {
        return publicJwk(await exportJWK(await importer(key, alg, { extractable: true })));
      } catch {}
    }
    throw new TypeError('jwt: a PEM key fits none of the allowed algorithms');
  }
  return publicJwk(await exportJWK(key));
}

/** Resolves keys given locally, through jose's JWKS selection (kid, kty, crv, alg, use). */
export function localKeyResolver(keys: LocalKeys, algorithms: readonly string[]): JWTVerifyGetKey {
  let resolver: Promise<JWTVerifyGetKey> | undefined;
  const build = async () => {
    const list: readonly KeyInput[] = isJwks(keys)
      ? (keys.keys as JWK[])
      : Array.isArray(keys)
        ? (keys as readonly KeyInput[])
        : [keys as KeyInput];
    const jwks = await Promise.all(list.map((k) => toJwk(k, algorithms)));
    const all = createLocalJWKSet({ keys: jwks });
    // jose only selects a key whose `kid` equals the token's, so a key given without one (a PEM,
    // a CryptoKey, a bare JWK) would refuse every token that carries a `kid`. A key configured
    // without an id is trusted whatever `kid` the token names; kty, crv, alg and the allowlist
    // still bind it. Keys that have an id are matched by it first.
    const unnamed = jwks.filter((jwk) => jwk.kid === undefined);
    const anyKid = unnamed.length > 0 ? createLocalJWKSet({ keys: unnamed }) : undefined;
    const select: JWTVerifyGetKey = async (header, token) => {
      try {
        return await all(header, token);
      } catch (error) {
        if (!anyKid || header.kid === undefined || !(error instanceof errors.JWKSNoMatchingKey))
          throw error;
        return anyKid({ ...header, kid: undefined }, token);
      }
    };
    return select;
  };
  const memo = keyMemo();
  const select = async (selection: string | undefined, ...args: Parameters<JWTVerifyGetKey>) => {
    resolver ??= build();
    const key = await (await resolver)(...args);
    if (selection !== undefined) memo.set(selection, key);
    return key;
  };
  // A known (alg, kid) answers at once, without a promise.
  return (header, token) => {
    const selection = selectionOf(header);
    return (
      (selection === undefined ? undefined : memo.get(selection)) ??
      select(selection, header, token)
    );
  };
}
