/** DPoP test helpers: client keys of any algorithm, proofs, and requests carrying them. */
import { type KeyObject, generateKeyPair as nodeGenerateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import {
  createAuthenticator,
  type DpopOptions,
  jwt,
  nodeRequestView,
  type RequestView,
} from '@authcore/core';
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { jwtOptions, NOW_S, sign, type TestKey, userClaims } from '../fixtures.js';

export const API = 'https://api.example';
export const URL_ = `${API}/v1/orders`;
export const ALGS = 'ES256 EdDSA Ed25519 RS256 PS256';

export interface ClientKey {
  readonly alg: string;
  readonly privateKey: CryptoKey | KeyObject;
  readonly jwk: JWK;
  readonly jkt: string;
}

export async function clientKey(
  alg = 'ES256',
  options: { modulusLength?: number; crv?: string } = {},
): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** An RSA client key made by Node, for the sizes and exponents Web Crypto would not generate. */
export async function nodeRsaKey(
  modulusLength: number,
  publicExponent = 65537,
  alg = 'RS256',
): Promise<ClientKey> {
  const { privateKey, publicKey } = await promisify(nodeGenerateKeyPair)('rsa', {
    modulusLength,
    publicExponent,
  });
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

export const ath = async (token: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
  );

export interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  ath?: string | null;
  extra?: Record<string, unknown>;
  jwk?: JWK;
}

export async function proofBy(key: ClientKey, token: string, o: ProofOptions = {}) {
  const payload: Record<string, unknown> = {
    htm: o.htm ?? 'GET',
    htu: o.htu ?? URL_,
    iat: o.iat ?? NOW_S,
    jti: o.jti ?? crypto.randomUUID(),
    ...o.extra,
  };
  if (o.ath !== null) payload.ath = o.ath ?? (await ath(token));
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: o.jwk ?? key.jwk })
    .sign(key.privateKey);
}

/** A request to `path` on `host` (https unless `secure: false`) with the token and proofs. */
export function dpopRequest(
  authorization: string,
  proofs: string[],
  o: { host?: string; path?: string; secure?: boolean; method?: string } = {},
): RequestView {
  const raw = ['Host', o.host ?? 'api.example', 'Authorization', authorization];
  for (const p of proofs) raw.push('DPoP', p);
  return nodeRequestView({
    method: o.method ?? 'GET',
    url: o.path ?? '/v1/orders?page=2',
    rawHeaders: raw,
    socket: { encrypted: o.secure ?? true },
  });
}

export const dpopAuthenticator = (issuerKey: TestKey, dpop: DpopOptions = {}) =>
  createAuthenticator({
    schemes: [jwt(jwtOptions({ keys: [issuerKey.jwk], dpop: { origins: [API], ...dpop } }))],
  });

export const boundTo = (issuerKey: TestKey, key: ClientKey, extra: Record<string, unknown> = {}) =>
  sign(issuerKey, userClaims({ cnf: { jkt: key.jkt }, ...extra }));

export const proofFailure = {
  status: 401,
  code: 'invalid_dpop_proof',
  wwwAuthenticate: `DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="${ALGS}"`,
  body: '{"error":"invalid_dpop_proof","error_description":"The DPoP proof is invalid"}',
};

export const boundKeyFailure = {
  status: 401,
  code: 'invalid_token',
  wwwAuthenticate: `DPoP realm="api", error="invalid_token", error_description="The access token is invalid", algs="${ALGS}"`,
  body: '{"error":"invalid_token","error_description":"The access token is invalid"}',
};
