/**
 * Compares two byte arrays in time that depends only on the length of `a`: every byte is
 * XOR-accumulated, there is no early exit. Arrays of different lengths are unequal, after the
 * same amount of work.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  const same = b.length === n;
  const other = same ? b : a;
  let diff = same ? 0 : 1;
  for (let i = 0; i < n; i++) diff |= a[i]! ^ other[i]!;
  return diff === 0;
}
