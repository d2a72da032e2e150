import { apiKey, createAuthenticator, generateApiKey, parseApiKey } from '@authcore/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Digest } from '../../src/lib/digest.js';
import { timingSafeEqual } from '../../src/lib/timing-safe-equal.js';
import { CountingStore, keyOf, typo, withHeaders } from './helpers.js';

// A spy around the real compare (not a replacement): the scheme keeps running the real code.
vi.mock('../../src/lib/timing-safe-equal.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/lib/timing-safe-equal.js')>();
  return { timingSafeEqual: vi.fn(original.timingSafeEqual) };
});
const compare = vi.mocked(timingSafeEqual);
vi.mock('../../src/lib/digest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/lib/digest.js')>();
  return { sha256Digest: vi.fn(original.sha256Digest) };
});
const hash = vi.mocked(sha256Digest);

afterEach(() => {
  vi.restoreAllMocks();
  compare.mockClear();
});

describe('timingSafeEqual', () => {
  it('is a plain equality over bytes', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([0, 2, 3]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([1, 2]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
  });
});

describe('the constant-time path', () => {
  it('does the same hashing and compare for an unknown id as for a wrong secret', async () => {
    const store = new CountingStore();
    const { key, record } = await generateApiKey({ prefix: 'sk_live', owner: 'acme' });
    await store.create(record);
    const auth = createAuthenticator({ schemes: [apiKey({ store })] });
    const { id, secret } = parseApiKey(key)!;

    const work = async (candidate: string) => {
      compare.mockClear();
      hash.mockClear();
      const before = store.calls.find;
      const result = await auth.authenticate(withHeaders({ 'x-api-key': candidate }));
      return {
        ok: result.ok,
        finds: store.calls.find - before,
        digests: hash.mock.calls.map(([data]) => ['SHA-256', data.byteLength]),
        compares: compare.mock.calls.map(([a, b]) => [a.length, b.length]),
        equal: compare.mock.results.map((r) => r.value),
      };
    };

    const unknown = await work(keyOf('sk_live', 'Zz9Zz9Zz9Zz9', secret));
    const wrong = await work(keyOf('sk_live', id, 'B'.repeat(24)));
    const right = await work(key);
    // The whole key (the memo's key: its digest), then the secret.
    const expected = {
      finds: 1,
      digests: [
        ['SHA-256', key.length],
        ['SHA-256', 24],
      ],
      compares: [[32, 32]],
    };
    expect(unknown).toEqual({ ok: false, ...expected, equal: [false] });
    expect(wrong).toEqual({ ok: false, ...expected, equal: [false] });
    expect(right).toEqual({ ok: true, ...expected, equal: [true] });
    // Verified before: the memo gives the secret's digest, the store and compare still run.
    const again = await work(key);
    expect(again).toEqual({
      ok: true,
      ...expected,
      digests: [['SHA-256', key.length]],
      equal: [true],
    });

    // Refused by form: no hashing at all; by checksum: only the memo's digest. Neither reaches
    // the store or the compare.
    const refused = await work(typo(key));
    expect(refused).toMatchObject({
      ok: false,
      finds: 0,
      digests: [['SHA-256', key.length]],
      compares: [],
    });
    const garbage = await work('not a key');
    expect(garbage).toMatchObject({ ok: false, finds: 0, digests: [], compares: [] });
  });
});
