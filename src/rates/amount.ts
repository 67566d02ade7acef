/**
 * Amounts for people: integer units of an asset shown as a decimal with the asset code
 * (`1923077` of XRP at scale 6 → `1.923077 XRP`). Exact (string arithmetic on the integer, never a
 * float); every fraction digit of the scale is shown, so an amount reads as its asset's precision.
 */

/** `units` (integer units, decimal string or bigint) of `asset` as `<decimal> <code>`. */
export function formatAmount(units: bigint | string, asset: { readonly code: string; readonly scale: number }): string {
  return `${formatUnits(units, asset.scale)} ${asset.code}`;
}

/** `units` at `scale` as a decimal string: `formatUnits(-250n, 9)` is `-0.000000250`. */
export function formatUnits(units: bigint | string, scale: number): string {
  const v = typeof units === 'bigint' ? units : BigInt(units);
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString();
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  const whole = padded.slice(0, padded.length - scale);
  const fraction = padded.slice(padded.length - scale);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
