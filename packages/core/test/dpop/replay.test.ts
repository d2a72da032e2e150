import { MemoryReplayStore, type ReplayStore } from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOW, rendered, sign, type TestKey, testKeys, userClaims } from '../fixtures.js';
import {
  ath,
  boundKeyFailure,
  boundTo,
  type ClientKey,
  clientKey,
  dpopAuthenticator,
  dpopRequest,
  proofBy,
  proofFailure,
} from './helpers.js';

let ES256: TestKey;
let client: ClientKey;
let other: ClientKey;
beforeAll(async () => {
  ({ ES256 } = await testKeys());
  [client, other] = await Promise.all([clientKey(), clientKey()]);
});

/** A memory store that also records what it was asked to claim. */
function recording(inner: ReplayStore = new MemoryReplayStore({ now: () => NOW })) {
  const claimed: string[] = [];
  return {
    claimed,
    claim: (key: string, expiresAt: number) => {
      claimed.push(key);
      return inner.claim(key, expiresAt);
    },
  };
}

describe('DPoP jti replay store', () => {
  it('claims no jti for a refused proof: unbound token, other key, wrong ath, wrong htu', async () => {
    const replay = recording();
    const auth = dpopAuthenticator(ES256, { replay });
    const unbound = await sign(ES256, userClaims());
    const token = await boundTo(ES256, client);
    const cases: [string, string, Promise<string>, typeof proofFailure][] = [
      ['unbound token', unbound, proofBy(client, unbound), boundKeyFailure],
      ['key other than cnf.jkt', token, proofBy(other, token), boundKeyFailure],
      ['wrong ath', token, proofBy(client, token, { ath: await ath('x') }), proofFailure],
      ['wrong htu', token, proofBy(client, token, { htu: 'https://api.example/x' }), proofFailure],
    ];
    for (const [name, t, proof, expected] of cases) {
      // Many times each: under the old order, each one would take a slot in the store.
      for (let i = 0; i < 3; i++) {
        const result = await auth.authenticate(dpopRequest(`DPoP ${t}`, [await proof]));
        expect({ name, ...rendered(auth, result) }).toEqual({ name, ...expected });
      }
    }
    expect(replay.claimed).toEqual([]);
    const good = await proofBy(client, token, { jti: 'good' });
    expect((await auth.authenticate(dpopRequest(`DPoP ${token}`, [good]))).ok).toBe(true);
    expect(replay.claimed).toEqual([`${client.jkt}:good`]);
  });

  it('refused proofs with one unbound token never lock other clients out', async () => {
    const replay = new MemoryReplayStore({ maxEntries: 50, now: () => NOW });
    const auth = dpopAuthenticator(ES256, { replay });
    const unbound = await sign(ES256, userClaims());
    for (let i = 0; i < 60; i++) {
      const result = await auth.authenticate(
        dpopRequest(`DPoP ${unbound}`, [await proofBy(client, unbound)]),
      );
      expect(rendered(auth, result, 'dpop_jkt_mismatch').code).toBe('invalid_token');
    }
    expect(replay.size).toBe(0);
    const token = await boundTo(ES256, other);
    const result = await auth.authenticate(
      dpopRequest(`DPoP ${token}`, [await proofBy(other, token)]),
    );
    expect(result.ok).toBe(true);
  });

  it('a full store evicts its oldest entry: fresh jtis pass, a recent replay is still refused', async () => {
    const replay = new MemoryReplayStore({ maxEntries: 3, now: () => NOW });
    const auth = dpopAuthenticator(ES256, { replay });
    const token = await boundTo(ES256, client);
    const proofs = await Promise.all(
      ['j1', 'j2', 'j3', 'j4', 'j5'].map((jti) => proofBy(client, token, { jti })),
    );
    for (const p of proofs) {
      expect((await auth.authenticate(dpopRequest(`DPoP ${token}`, [p]))).ok).toBe(true);
    }
    expect(replay.size).toBe(3);
    for (const p of proofs.slice(2)) {
      const replayed = await auth.authenticate(dpopRequest(`DPoP ${token}`, [p]));
      expect(rendered(auth, replayed, 'dpop_replay')).toEqual(proofFailure);
    }
  });

  it('MemoryReplayStore: full of live entries, it forgets the oldest; expired ones go first', async () => {
    let now = NOW;
    const store = new MemoryReplayStore({ maxEntries: 3, now: () => now });
    expect(await store.claim('a', NOW + 1000)).toBe(true);
    expect(await store.claim('b', NOW + 60_000)).toBe(true);
    expect(await store.claim('c', NOW + 60_000)).toBe(true);
    expect(await store.claim('c', NOW + 60_000)).toBe(false);
    now = NOW + 2000;
    // `a` has expired: it makes the room, `b` stays.
    expect(await store.claim('d', NOW + 60_000)).toBe(true);
    expect(await store.claim('b', NOW + 60_000)).toBe(false);
    // Full of live entries: `b`, the oldest, goes.
    expect(await store.claim('e', NOW + 60_000)).toBe(true);
    expect(store.size).toBe(3);
    for (const key of ['c', 'd', 'e']) expect(await store.claim(key, NOW + 60_000)).toBe(false);
    // An expired key may be claimed again, and then counts as new.
    now = NOW + 61_000;
    expect(await store.claim('c', NOW + 120_000)).toBe(true);
    expect(() => new MemoryReplayStore({ maxEntries: 0 })).toThrow(TypeError);
  });
});
