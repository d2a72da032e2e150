import { DPOP_ALGORITHMS, protectedResourceMetadata } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rendered, type TestKey, testKeys } from '../fixtures.js';
import {
  ALGS,
  boundTo,
  type ClientKey,
  clientKey,
  dpopAuthenticator,
  dpopRequest,
  nodeRsaKey,
  type ProofOptions,
  proofBy,
  proofFailure,
} from './helpers.js';

let ES256: TestKey;
beforeAll(async () => {
  ({ ES256 } = await testKeys());
});

async function attempt(key: ClientKey, options: ProofOptions = {}) {
  const auth = dpopAuthenticator(ES256);
  const token = await boundTo(ES256, key);
  const proof = await proofBy(key, token, options);
  return { auth, result: await auth.authenticate(dpopRequest(`DPoP ${token}`, [proof])) };
}

describe('DPoP proof keys are bounded before any signature work', () => {
  it('accepts RSA 2048 and 3072 bits with e = 65537, P-256, and Ed25519 as EdDSA or Ed25519', async () => {
    const keys = await Promise.all([
      nodeRsaKey(2048),
      nodeRsaKey(3072, 65537, 'PS256'),
      clientKey('ES256'),
      clientKey('EdDSA'),
      clientKey('Ed25519'),
    ]);
    for (const key of keys) {
      const { result } = await attempt(key);
      expect({ alg: key.alg, ok: result.ok }).toEqual({ alg: key.alg, ok: true });
    }
  });

  it('refuses an RSA key over 4096 bits, an exponent other than 65537 and an oversized proof', async () => {
    const [big, huge, small, ec] = await Promise.all([
      nodeRsaKey(4160),
      nodeRsaKey(2048, 0xffffffff),
      nodeRsaKey(2048, 3),
      clientKey('ES256'),
    ]);
    const cases: [string, ClientKey, ProofOptions?][] = [
      ['RSA 4160 bits', big],
      ['RSA e = 2^32 - 1', huge],
      ['RSA e = 3', small],
      ['proof over 4096 characters', ec, { extra: { pad: 'x'.repeat(3200) } }],
    ];
    for (const [name, key, options] of cases) {
      const { auth, result } = await attempt(key, options);
      expect({ name, ...rendered(auth, result) }).toEqual({ name, ...proofFailure });
    }
  });

  it('refuses a key whose type or curve does not fit the alg, and private members', async () => {
    const ec = await clientKey('ES256');
    const p384 = await clientKey('ES384');
    const ed = await clientKey('Ed25519');
    const auth = dpopAuthenticator(ES256);
    const token = await boundTo(ES256, ec);
    const cases: [string, Promise<string>][] = [
      ['P-384 key named in an ES256 proof', proofBy(ec, token, { jwk: p384.jwk })],
      ['EC jwk with an EdDSA proof', proofBy(ed, token, { jwk: ec.jwk })],
      ['OKP with a y', proofBy(ed, token, { jwk: { ...ed.jwk, y: ec.jwk.y! } })],
      ['unknown member d', proofBy(ec, token, { jwk: { ...ec.jwk, d: ec.jwk.x! } })],
    ];
    for (const [name, proof] of cases) {
      const result = await auth.authenticate(dpopRequest(`DPoP ${token}`, [await proof]));
      expect({ name, ...rendered(auth, result, 'dpop_key_rejected') }).toEqual({
        name,
        ...proofFailure,
      });
    }
  });

  it('Ed25519 (RFC 9864) is a default DPoP algorithm, advertised in challenges and metadata', async () => {
    expect(DPOP_ALGORITHMS).toEqual(['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256']);
    expect(Object.isFrozen(DPOP_ALGORITHMS)).toBe(true);
    const { auth, result } = await attempt(await clientKey('Ed25519'), { ath: 'wrong' });
    expect(rendered(auth, result, 'dpop_ath_mismatch').wwwAuthenticate).toContain(`algs="${ALGS}"`);
    expect(
      protectedResourceMetadata({
        resource: 'https://api.example',
        dpopSigningAlgValuesSupported: DPOP_ALGORITHMS,
      }).dpop_signing_alg_values_supported,
    ).toEqual(['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256']);
  });
});
