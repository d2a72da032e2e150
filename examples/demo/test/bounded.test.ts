import { describe, expect, it } from 'vitest';
import { BoundedStore } from '../src/bounded.js';

const store = () => new BoundedStore<string>({ ttlMs: 60_000, maxEntries: 5, maxPerOwner: 2 });
const idOf = (result: ReturnType<BoundedStore<string>['add']>) => {
  if (!('id' in result)) throw new Error(`refused: ${result.reason}`);
  return result.id;
};

describe('BoundedStore (pending forms, sessions)', () => {
  it('refuses an owner over its quota, with the wait until its oldest entry expires, and evicts nothing', () => {
    const s = store();
    const first = idOf(s.add('a', 'a1', 0));
    idOf(s.add('a', 'a2', 10_000));
    expect(s.add('a', 'a3', 20_000)).toEqual({ reason: 'owner_full', retryAfterSeconds: 40 });
    expect(s.get(first, 20_000)).toBe('a1');
    // Another owner is not affected.
    expect(s.get(idOf(s.add('b', 'b1', 20_000)), 20_000)).toBe('b1');
    // A spent entry gives its quota back.
    s.delete(first);
    expect(s.get(first, 20_000)).toBeUndefined();
    expect(s.get(idOf(s.add('a', 'a3', 20_000)), 20_000)).toBe('a3');
  });

  it('refuses everyone once full (503 in the demo), until the oldest entry expires', () => {
    const s = store();
    const ids = ['a', 'a', 'b', 'b', 'c'].map((owner, i) =>
      idOf(s.add(owner, `${owner}${i}`, i * 1000)),
    );
    expect(s.add('d', 'd0', 5_000)).toEqual({ reason: 'store_full', retryAfterSeconds: 55 });
    expect(ids.map((id) => s.get(id, 5_000))).toEqual(['a0', 'a1', 'b2', 'b3', 'c4']);
    // At 60 s the first entry has expired: room for one.
    expect(s.get(idOf(s.add('d', 'd0', 60_000)), 60_000)).toBe('d0');
    expect(s.get(ids[0]!, 60_000)).toBeUndefined();
    expect(s.size).toBe(5);
    expect(s.add('e', 'e0', 60_500)).toEqual({ reason: 'store_full', retryAfterSeconds: 1 });
  });

  it('hands out unguessable ids and forgets expired entries', () => {
    const s = store();
    const id = idOf(s.add('a', 'a0', 0));
    expect(id).toMatch(/^[\w-]{43}$/);
    expect(s.get(id, 59_999)).toBe('a0');
    expect(s.get(id, 60_000)).toBeUndefined();
    expect(s.size).toBe(0);
  });
});
