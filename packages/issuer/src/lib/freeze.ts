/**
 * Freezes a plain record and everything in it, once, so a store can hand the same record to
 * every caller: read-only shared data is not shared mutable state, and no per-read copy is made.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
