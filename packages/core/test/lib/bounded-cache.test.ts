import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/lib/bounded-cache.js';

// The one cache type: the JWT and introspection caches, the API key memos, the key selection
// memo, the DPoP replay store and the issuer's memory stores all hold their entries in it.
const clocked = (maxEntries: number | 'expiry') => {
  const clock = { t: 1_000 };
  const cache = new BoundedCache<string, number>({ maxEntries, now: () => clock.t });
  return { clock, cache };
};

describe('BoundedCache', () => {
  it('needs a positive integer size, or expiry as the only bound when named', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new BoundedCache({ maxEntries: n })).toThrow(
        new TypeError('cache size (`maxEntries`) must be a positive integer'),
      );
    }
    expect(new BoundedCache({ maxEntries: 'expiry' }).size).toBe(0);
  });

  it('returns values until they expire, then forgets them; no expiry is never', () => {
    const { clock, cache } = clocked(3);
    cache.set('a', 1, 1_100);
    cache.set('b', 2);
    clock.t = 1_099;
    expect(cache.get('a')).toBe(1);
    clock.t = 1_100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
    clock.t = Number.MAX_SAFE_INTEGER;
    expect(cache.get('b')).toBe(2);
  });

  it('full, it evicts the oldest inserted entry; a hit does not make an entry younger', () => {
    const { cache } = clocked(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('a write makes its key the youngest and evicts nothing else', () => {
    const { cache } = clocked(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    expect(cache.size).toBe(2);
    cache.set('c', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(3);
    expect(cache.get('c')).toBe(4);
  });

  it('full, it drops expired entries from the oldest first, then the oldest live one', () => {
    const { clock, cache } = clocked(3);
    cache.set('a', 1, 2_000);
    cache.set('b', 2, 60_000);
    cache.set('c', 3, 60_000);
    clock.t = 3_000;
    // `a` expired: it makes the room, `b` stays.
    cache.set('d', 4, 60_000);
    expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([2, 3, 4]);
    // Full of live entries: `b`, the oldest, goes.
    cache.set('e', 5, 60_000);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
  });

  it('with expiry as the only bound, expired entries are swept as inserts go on', () => {
    const { clock, cache } = clocked('expiry');
    for (let i = 0; i < 1_000; i++) cache.set(`old${i}`, i, 2_000);
    expect(cache.size).toBe(1_000);
    clock.t = 2_000;
    // Live entries are never dropped to make room; the expired ones go within one pass.
    for (let i = 0; i < 1_000; i++) cache.set(`new${i}`, i, 10_000);
    expect(cache.size).toBe(1_000);
    expect(cache.get('new0')).toBe(0);
    expect(cache.get('new999')).toBe(999);
  });

  it('delete and clear', () => {
    const { cache } = clocked(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
