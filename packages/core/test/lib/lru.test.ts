import { describe, expect, it } from 'vitest';
import { ExpiringLru } from '../../src/lib/lru.js';

describe('ExpiringLru', () => {
  it('needs a positive integer size', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ExpiringLru(n)).toThrow(TypeError);
    }
  });

  it('returns values until they expire, then forgets them', () => {
    const lru = new ExpiringLru<string>(3);
    lru.set('a', 'A', 100);
    expect(lru.get('a', 99)).toBe('A');
    expect(lru.get('a', 100)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('evicts the least recently used entry; a hit refreshes recency', () => {
    const lru = new ExpiringLru<number>(2);
    lru.set('a', 1, 1e9);
    lru.set('b', 2, 1e9);
    expect(lru.get('a', 0)).toBe(1);
    lru.set('c', 3, 1e9);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(lru.get('a', 0)).toBe(1);
    expect(lru.get('c', 0)).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('overwriting a key does not evict another', () => {
    const lru = new ExpiringLru<number>(2);
    lru.set('a', 1, 1e9);
    lru.set('b', 2, 1e9);
    lru.set('a', 3, 1e9);
    expect(lru.get('b', 0)).toBe(2);
    expect(lru.get('a', 0)).toBe(3);
  });

  it('delete and clear', () => {
    const lru = new ExpiringLru<number>(2);
    lru.set('a', 1, 1e9);
    lru.set('b', 2, 1e9);
    lru.delete('a');
    expect(lru.get('a', 0)).toBeUndefined();
    lru.clear();
    expect(lru.size).toBe(0);
  });
});
