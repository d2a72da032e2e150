import { createAuthenticator, jwt, nodeRequestView } from '@authcore/core';
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  basic,
  codeFor,
  post,
  REDIRECT,
  SERVICE,
  type Served,
  serve,
  VERIFIER,
} from './helpers.js';

let served: Served;
let holder: { privateKey: CryptoKey; jwk: JWK; jkt: string };
let other: typeof holder;

const makeKey = async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
};

beforeAll(async () => {
  served = await serve();
  holder = await makeKey();
  other = await makeKey();
});
afterAll(() => served.close());

async function proof(
  key: typeof holder,
  o: { htm?: string; htu?: string; ath?: string; iat?: number } = {},
): Promise<string> {
  return new SignJWT({
    htm: o.htm ?? 'POST',
    htu: o.htu ?? `${served.url}/token`,
    iat: o.iat ?? Math.floor(served.clock.t / 1000),
    jti: crypto.randomUUID(),
    ...(o.ath && { ath: o.ath }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);
}

const clientCredentials = async (headers: Record<string, string>) =>
  post(
    `${served.url}/token`,
    { grant_type: 'client_credentials', scope: 'read' },
    { authorization: SERVICE, ...headers },
  );

describe('DPoP-bound tokens from /token (RFC 9449 §5)', () => {
  it('binds the access token to the proof key and says token_type DPoP', async () => {
    const res = await clientCredentials({ dpop: await proof(holder) });
    expect(res.status).toBe(200);
    expect(res.body?.token_type).toBe('DPoP');
    const token = res.body?.access_token as string;
    expect(decodeJwt(token).cnf).toEqual({ jkt: holder.jkt });
    const described = await post(`${served.url}/introspect`, { token }, { authorization: SERVICE });
    expect(described.body).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: holder.jkt },
    });

    // The core accepts it with a proof by the same key, and refuses it as Bearer.
    const auth = createAuthenticator({
      schemes: [
        jwt({
          issuer: served.url,
          audience: AUDIENCE,
          algorithms: ['ES256'],
          jwksUri: `${served.url}/jwks`,
          now: () => served.clock.t,
          dpop: { origins: ['http://api.test'] },
        }),
      ],
    });
    const ath = base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
    );
    const view = (scheme: string, dpop?: string) =>
      nodeRequestView({
        method: 'GET',
        url: '/v1/orders',
        rawHeaders: [
          'Host',
          'api.test',
          'Authorization',
          `${scheme} ${token}`,
          ...(dpop ? ['DPoP', dpop] : []),
        ],
      });
    const ok = await auth.authenticate(
      view('DPoP', await proof(holder, { htm: 'GET', htu: 'http://api.test/v1/orders', ath })),
    );
    expect(ok.ok).toBe(true);
    expect((await auth.authenticate(view('Bearer'))).ok).toBe(false);
  });

  it('without a proof the token is a plain Bearer token', async () => {
    const res = await clientCredentials({});
    expect(res.body?.token_type).toBe('Bearer');
    expect(decodeJwt(res.body?.access_token as string).cnf).toBeUndefined();
  });

  it('refuses a bad proof with 400 invalid_dpop_proof', async () => {
    for (const bad of [
      await proof(holder, { htu: `${served.url}/other` }),
      await proof(holder, { htm: 'GET' }),
      await proof(holder, { iat: Math.floor(served.clock.t / 1000) - 3600 }),
      'not-a-proof',
    ]) {
      const res = await clientCredentials({ dpop: bad });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'invalid DPoP proof',
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it("binds a public client's refresh token: only a proof by the same key refreshes it", async () => {
    const code = await codeFor(served, 'spa');
    const first = await post(
      `${served.url}/token`,
      {
        grant_type: 'authorization_code',
        client_id: 'spa',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      },
      { dpop: await proof(holder) },
    );
    expect(first.status).toBe(200);
    expect(first.body?.token_type).toBe('DPoP');
    const refreshToken = first.body?.refresh_token as string;
    expect(refreshToken).toBeTypeOf('string');
    const refresh = (headers: Record<string, string>) =>
      post(
        `${served.url}/token`,
        { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refreshToken },
        headers,
      );
    const withoutProof = await refresh({});
    expect(withoutProof.status).toBe(400);
    expect(withoutProof.body?.error).toBe('invalid_grant');
    const otherKey = await refresh({ dpop: await proof(other) });
    expect(otherKey.body?.error).toBe('invalid_grant');
  });

  it('a public client refreshes with a proof by its key and stays bound', async () => {
    const code = await codeFor(served, 'spa');
    const first = await post(
      `${served.url}/token`,
      {
        grant_type: 'authorization_code',
        client_id: 'spa',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      },
      { dpop: await proof(holder) },
    );
    const next = await post(
      `${served.url}/token`,
      {
        grant_type: 'refresh_token',
        client_id: 'spa',
        refresh_token: first.body?.refresh_token as string,
      },
      { dpop: await proof(holder) },
    );
    expect(next.status).toBe(200);
    expect(next.body?.token_type).toBe('DPoP');
    expect(decodeJwt(next.body?.access_token as string).cnf).toEqual({ jkt: holder.jkt });
  });

  it("binds a public client's refresh token issued on a refresh with a proof, even if the old one was unbound", async () => {
    const code = await codeFor(served, 'spa');
    const first = await post(`${served.url}/token`, {
      grant_type: 'authorization_code',
      client_id: 'spa',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(first.body?.token_type).toBe('Bearer');
    const next = await post(
      `${served.url}/token`,
      {
        grant_type: 'refresh_token',
        client_id: 'spa',
        refresh_token: first.body?.refresh_token as string,
      },
      { dpop: await proof(holder) },
    );
    expect(next.body?.token_type).toBe('DPoP');
    const refresh = (headers: Record<string, string>) =>
      post(
        `${served.url}/token`,
        {
          grant_type: 'refresh_token',
          client_id: 'spa',
          refresh_token: next.body?.refresh_token as string,
        },
        headers,
      );
    // A thief holding the new refresh token but not the key gets nothing.
    const withoutProof = await refresh({});
    expect(withoutProof.body?.error).toBe('invalid_grant');
    const otherKey = await refresh({ dpop: await proof(other) });
    expect(otherKey.body?.error).toBe('invalid_grant');
  });

  it('advertises its proof algorithms in the metadata', async () => {
    const meta = (await (
      await fetch(`${served.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(meta.dpop_signing_alg_values_supported).toEqual([
      'ES256',
      'EdDSA',
      'Ed25519',
      'RS256',
      'PS256',
    ]);
  });
});

describe('/token checks the client and the grant before the DPoP proof', () => {
  const badKeyProof = async () => {
    // Signed by one key, naming another: no signature verification can pass.
    const { privateKey } = await makeKey();
    return new SignJWT({
      htm: 'POST',
      htu: `${served.url}/token`,
      iat: Math.floor(served.clock.t / 1000),
      jti: crypto.randomUUID(),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: holder.jwk })
      .sign(privateKey);
  };

  it('an unknown client with a proof gets 401 invalid_client, and the proof is not spent', async () => {
    const dpop = await proof(holder);
    const res = await post(
      `${served.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic('service', 'wrong-secret'), dpop },
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${served.url}"`);
    // Its jti was never claimed: the same proof still works for the real client.
    expect((await clientCredentials({ dpop })).body?.token_type).toBe('DPoP');
  });

  it('a grant the client may not use, or with a missing parameter, is refused for that before its proof is looked at', async () => {
    const dpop = await badKeyProof();
    const missing = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token' },
      { authorization: SERVICE, dpop },
    );
    // `service` may not refresh: the grant is checked before the proof.
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'this client may not use the refresh_token grant',
    });
    const noToken = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token' },
      { authorization: basic('webapp', 'webapp-secret-0123456789abcdef'), dpop },
    );
    expect(noToken.status).toBe(400);
    expect(noToken.body).toEqual({
      error: 'invalid_request',
      error_description: 'refresh_token is required',
    });
    const noVerifier = await post(
      `${served.url}/token`,
      { grant_type: 'authorization_code', code: 'x' },
      { authorization: basic('webapp', 'webapp-secret-0123456789abcdef'), dpop },
    );
    expect(noVerifier.status).toBe(400);
    expect(noVerifier.body).toEqual({
      error: 'invalid_request',
      error_description: 'code_verifier is required',
    });
  });

  it('a valid client and grant with a proof by a bad key get 400 invalid_dpop_proof', async () => {
    const res = await clientCredentials({ dpop: await badKeyProof() });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'invalid DPoP proof',
    });
    expect(res.headers.get('www-authenticate')).toBeNull();
  });
});

describe('Ed25519 proofs (RFC 9864 fully-specified name)', () => {
  it('accepts a proof signed with alg Ed25519 and binds the token to its key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('Ed25519', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const dpop = await new SignJWT({
      htm: 'POST',
      htu: `${served.url}/token`,
      iat: Math.floor(served.clock.t / 1000),
      jti: crypto.randomUUID(),
    })
      .setProtectedHeader({ alg: 'Ed25519', typ: 'dpop+jwt', jwk })
      .sign(privateKey);
    const res = await clientCredentials({ dpop });
    expect(res.status).toBe(200);
    expect(res.body?.token_type).toBe('DPoP');
    expect(decodeJwt(res.body?.access_token as string).cnf).toEqual({
      jkt: await calculateJwkThumbprint(jwk),
    });
  });
});
