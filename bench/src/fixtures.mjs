// Key material, tokens and API keys shared by every part of the bench. The parent process makes
// them once and hands them to server child processes as JSON, so every candidate verifies the
// same token with the same key.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { generateApiKey } from '@authcore/core';
import { SignJWT } from 'jose';

export const ISSUER = 'https://issuer.bench.example';
export const AUDIENCE = 'https://api.bench.example';
export const ALGORITHMS = /** @type {const} */ (['ES256', 'RS256', 'EdDSA']);

/** @param {'ES256' | 'RS256' | 'EdDSA'} alg */
function keyPair(alg) {
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  return generateKeyPairSync('ed25519');
}

/**
 * One key pair and one valid access token (RFC 9068 shape: `typ: at+jwt`, iss, aud, sub,
 * client_id, scope, iat, exp one hour ahead, jti) per algorithm.
 * @param {'ES256' | 'RS256' | 'EdDSA'} alg
 */
export async function jwtFixture(alg) {
  const { publicKey, privateKey } = keyPair(alg);
  const kid = `bench-${alg.toLowerCase()}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const pem = /** @type {string} */ (publicKey.export({ format: 'pem', type: 'spki' }));
  const token = await new SignJWT({ scope: 'orders:read orders:write', client_id: 'bench-client' })
    .setProtectedHeader({ alg, typ: 'at+jwt', kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user-42')
    .setIssuedAt()
    .setExpirationTime('1h')
    .setJti('bench-token')
    .sign(privateKey);
  // The same claims with `typ: JWT`, for hono/jwt, which refuses any other `typ`.
  const { payload } = decodeParts(token);
  const plainToken = await new SignJWT(payload)
    .setProtectedHeader({ alg, typ: 'JWT', kid })
    .sign(privateKey);
  return { alg, kid, jwk, pem, publicKey, privateKey, token, plainToken };
}

/** @param {string} token */
function decodeParts(token) {
  const [, payload] = token.split('.');
  return { payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) };
}

/** A valid API key and the record a store keeps of it. */
export async function apiKeyFixture() {
  const { key, record } = await generateApiKey({
    prefix: 'sk_live',
    owner: 'bench-app',
    scopes: ['orders:read'],
  });
  return { key, record };
}

/**
 * What an HTTP server child needs, as plain JSON: the ES256 public key (PEM and JWK), the token
 * the load generator sends, and the API key record.
 */
export async function serverFixture() {
  const es = await jwtFixture('ES256');
  const api = await apiKeyFixture();
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwk: es.jwk,
    pem: es.pem,
    token: es.token,
    plainToken: es.plainToken,
    apiKey: api.key,
    apiKeyRecord: api.record,
  };
}

const b64 = (/** @type {string} */ s) => Buffer.from(s).toString('base64url');

/**
 * Cheap HS256 tokens with distinct `jti`, for the memory test (an ES256 signature per token
 * would make a million tokens take minutes to sign).
 * @param {Uint8Array} secret
 */
export function hs256Minter(secret) {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' }));
  const iat = Math.floor(Date.now() / 1000);
  return (/** @type {number} */ i) => {
    const payload = b64(
      JSON.stringify({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: `user-${i % 1000}`,
        scope: 'orders:read',
        iat,
        exp: iat + 3600,
        jti: `t${i}`,
      }),
    );
    const input = `${header}.${payload}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
}

/**
 * The HTTP fixture plus `n` distinct ES256 tokens (each its own `sub` and `jti`), `at+jwt` and,
 * for hono/jwt, the same claims with `typ: JWT`: the distinct-token part sends each in turn, so
 * with `n` above every verified-token cache each request verifies a signature.
 * @param {number} n
 */
export async function distinctFixture(n) {
  const es = await jwtFixture('ES256');
  const iat = Math.floor(Date.now() / 1000);
  const sign = (/** @type {number} */ i, /** @type {string} */ typ) =>
    new SignJWT({ scope: 'orders:read', client_id: 'bench-client' })
      .setProtectedHeader({ alg: 'ES256', typ, kid: es.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(`user-${i}`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .setJti(`distinct-${i}`)
      .sign(es.privateKey);
  const index = Array.from({ length: n }, (_, i) => i);
  return {
    server: { issuer: ISSUER, audience: AUDIENCE, jwk: es.jwk, pem: es.pem },
    tokens: await Promise.all(index.map((i) => sign(i, 'at+jwt'))),
    plainTokens: await Promise.all(index.map((i) => sign(i, 'JWT'))),
  };
}
