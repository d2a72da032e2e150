import { describe, expect, it } from 'vitest';
import { deepFreeze, readonlyDate, readonlyScopes } from '../../src/lib/frozen.js';

describe('read-only values handed to user code', () => {
  it('a scope set reads like a Set and refuses every change', () => {
    const scopes = readonlyScopes(['a', 'b']);
    expect(scopes).toBeInstanceOf(Set);
    expect(scopes).toEqual(new Set(['a', 'b']));
    expect([scopes.has('a'), scopes.has('c'), scopes.size]).toEqual([true, false, 2]);
    const writable = scopes as Set<string>;
    expect(() => writable.add('admin')).toThrow(TypeError);
    expect(() => writable.delete('a')).toThrow(TypeError);
    expect(() => writable.clear()).toThrow(TypeError);
    expect(() => Object.assign(writable, { add: () => writable })).toThrow(TypeError);
    expect([...scopes]).toEqual(['a', 'b']);
  });

  it('a date refuses every setter', () => {
    const date = readonlyDate(Date.UTC(2030, 0, 1));
    expect(date).toEqual(new Date(Date.UTC(2030, 0, 1)));
    const setters = Object.getOwnPropertyNames(Date.prototype).filter((n) => n.startsWith('set'));
    expect(setters.length).toBeGreaterThan(10);
    for (const name of setters) {
      expect(() => (date as unknown as Record<string, (v: number) => void>)[name]!(0)).toThrow(
        TypeError,
      );
    }
    expect(date.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('deepFreeze freezes plain data all the way down, survives cycles, leaves other objects', () => {
    const bytes = new Uint8Array([1, 2]);
    const value: Record<string, unknown> = { a: { b: [{ c: 1 }] }, bytes };
    value.self = value;
    deepFreeze(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen((value.a as { b: unknown[] }).b[0])).toBe(true);
    // A typed array cannot be frozen: left as is rather than throwing.
    expect(Object.isFrozen(bytes)).toBe(false);
  });
});
