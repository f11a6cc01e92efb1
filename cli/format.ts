// Numbers in the command's text and JSON output: no float noise (10.2, not 10.200000000000001).

/**
 * `x` rounded to at most `maxDecimals` decimals, without trailing zeros or a negative zero:
 * formatNumber(10.200000000000001) is "10.2", formatNumber(0.5) "0.5", formatNumber(3) "3".
 */
export function formatNumber(x: number, maxDecimals = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const s = x.toFixed(maxDecimals);
  const trimmed = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  return trimmed === '-0' ? '0' : trimmed;
}

/** A float without the noise of binary arithmetic (12 significant digits): 10.200000000000001 -> 10.2. */
export function cleanFloat(x: number): number {
  return Number.isFinite(x) && !Number.isInteger(x) ? Number(x.toPrecision(12)) : x;
}

/** A JSON.stringify replacer that applies cleanFloat to every number. */
export function cleanFloats(_key: string, value: unknown): unknown {
  return typeof value === 'number' ? cleanFloat(value) : value;
}
