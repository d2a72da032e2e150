import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ApiKeyRecord,
  generateApiKey,
  type JwtAlgorithm,
  type JwtBaseOptions,
  MemoryApiKeyStore,
} from '@authcore/core';
import {
  base64url,
  CompactSign,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

export type TestAlgorithm = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

export interface TestIssuerOptions {
  /** `aud` of minted tokens and of `jwtOptions()`. Default `https://api.test`. */
  audience?: string;
  /** Signing algorithm. Default ES256. */
  algorithm?: TestAlgorithm;
  /** Prefix of minted API keys. Default `sk_test`. */
  apiKeyPrefix?: string;
}

export interface TokenOptions {
  /** Lifetime in seconds (negative for an expired token). Default 600. */
  expiresIn?: number;
  /** Extra or replaced protected header parameters (`typ`, `kid`, `alg`…). */
  header?: Record<string, unknown>;
  /** Sign with a key the JWKS does not publish (a bad signature). */
  foreignKey?: boolean;
}

/** A client's DPoP key (RFC 9449): bind tokens to `jkt`, sign proofs with `proof`. */
export interface DpopKey {
  readonly jwk: JWK;
  /** JWK SHA-256 thumbprint, for the token's `cnf.jkt`. */
  readonly jkt: string;
  /**
   * A proof for one request; `ath` is computed from the token unless given (`null` leaves it
   * out). `embedPrivateKey` puts the private JWK in the header: a proof every verifier must refuse.
   */
  proof(
    accessToken: string,
    options: {
      htu: string;
      htm: string;
      jti?: string;
      iat?: number;
      nonce?: string;
      ath?: string | null;
      embedPrivateKey?: boolean;
    },
  ): Promise<string>;
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of minted tokens; serves metadata (RFC 8414) too. */
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly algorithm: TestAlgorithm;
  /** The published keys. */
  readonly jwks: { keys: JWK[] };
  /** API keys minted by `createApiKey` live here. */
  readonly apiKeyStore: MemoryApiKeyStore;
  /** Options for `jwt(...)` that trust this issuer through its JWKS on 127.0.0.1. */
  jwtOptions(): Pick<JwtBaseOptions, 'issuer' | 'audience' | 'algorithms'> & { jwksUri: string };
  /** Mints an RFC 9068 access token: `iss`, `aud`, `iat`, `exp`, `jti` preset, `claims` win. */
  issueToken(claims?: JWTPayload, options?: TokenOptions): Promise<string>;
  /** Signs the given JSON text as is (prototype keys, odd numbers…), with this issuer's key. */
  signRaw(payloadJson: string, header?: Record<string, unknown>): Promise<string>;
  /** A fresh ES256 DPoP key pair for a client. */
  createDpopKey(): Promise<DpopKey>;
  /** Mints an API key into `apiKeyStore` and returns the full key. */
  createApiKey(options?: { scopes?: string[]; owner?: string; expiresAt?: Date }): Promise<string>;
  /** The record of the last minted keys, by key. */
  readonly apiKeys: ReadonlyMap<string, ApiKeyRecord>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const KID = 'authcore-test-1';

async function keyPair(alg: TestAlgorithm) {
  return generateKeyPair(alg, { extractable: true });
}

/**
 * A throwaway issuer for your own tests: keys, a JWKS and metadata served on 127.0.0.1, tokens
 * with any claims, and API keys in a memory store. Close it in `afterAll` (or `await using`).
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const algorithm = options.algorithm ?? 'ES256';
  const audience = options.audience ?? 'https://api.test';
  const { privateKey, publicKey } = await keyPair(algorithm);
  const foreign = await keyPair(algorithm);
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: algorithm, use: 'sig' };
  const jwks = { keys: [jwk] };

  let issuer = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/jwks') return send(200, jwks);
    if (
      path === '/.well-known/oauth-authorization-server' ||
      path === '/.well-known/openid-configuration'
    ) {
      return send(200, { issuer, jwks_uri: `${issuer}/jwks` });
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwksUri = `${issuer}/jwks`;

  const store = new MemoryApiKeyStore();
  const apiKeys = new Map<string, ApiKeyRecord>();

  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    issuer,
    audience,
    jwksUri,
    algorithm,
    jwks,
    apiKeyStore: store,
    apiKeys,
    jwtOptions: () => ({ issuer, audience, algorithms: [algorithm as JwtAlgorithm], jwksUri }),
    async issueToken(claims = {}, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: issuer,
        aud: audience,
        sub: 'user-1',
        iat: now,
        exp: now + (opts.expiresIn ?? 600),
        jti: crypto.randomUUID(),
        ...claims,
      };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: algorithm, typ: 'at+jwt', kid: KID, ...opts.header })
        .sign(opts.foreignKey ? foreign.privateKey : privateKey);
    },
    async signRaw(payloadJson, header = {}) {
      return new CompactSign(new TextEncoder().encode(payloadJson))
        .setProtectedHeader({ alg: algorithm, typ: 'at+jwt', kid: KID, ...header })
        .sign(privateKey);
    },
    async createDpopKey() {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const publicJwk = await exportJWK(pair.publicKey);
      return {
        jwk: publicJwk,
        jkt: await calculateJwkThumbprint(publicJwk),
        async proof(accessToken, o) {
          const digest = await crypto.subtle.digest(
            'SHA-256',
            new TextEncoder().encode(accessToken),
          );
          const ath = o.ath === undefined ? base64url.encode(new Uint8Array(digest)) : o.ath;
          const jwk = o.embedPrivateKey ? await exportJWK(pair.privateKey) : publicJwk;
          return new SignJWT({
            htm: o.htm,
            htu: o.htu,
            jti: o.jti ?? crypto.randomUUID(),
            iat: o.iat ?? Math.floor(Date.now() / 1000),
            ...(ath !== null && { ath }),
            ...(o.nonce && { nonce: o.nonce }),
          })
            .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
            .sign(pair.privateKey);
        },
      };
    },
    async createApiKey(opts = {}) {
      const { key, record } = await generateApiKey({
        prefix: options.apiKeyPrefix ?? 'sk_test',
        owner: opts.owner ?? 'test-app',
        scopes: opts.scopes ?? [],
        ...(opts.expiresAt && { expiresAt: opts.expiresAt }),
      });
      await store.create(record);
      apiKeys.set(key, record);
      return key;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
