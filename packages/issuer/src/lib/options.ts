/** An integer option within `min`…`max` (`fallback` when absent); a `TypeError` naming it otherwise. */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  unit = '',
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new TypeError(
      `createIssuer: \`${name}\` must be an integer from ${min} to ${max}${unit && ` ${unit}`}`,
    );
  return v;
}
