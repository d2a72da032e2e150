/** @param {readonly number[]} values */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median over rounds of `a[r] / b[r]`: both figures come from the same round, so a slow
 * patch of the machine weighs on both sides of each ratio.
 * @param {readonly number[] | undefined} a
 * @param {readonly number[] | undefined} b
 */
export function pairedRatio(a, b) {
  if (!a?.length || !b?.length || a.length !== b.length) return undefined;
  return median(a.map((v, i) => v / b[i]));
}
