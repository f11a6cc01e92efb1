/**
 * Wilson score interval for a binomial proportion (default 95%: z = 1.959964).
 * Behaves well at 0 and n successes and for small n, unlike the normal approximation.
 * Returns [0, 1] for n = 0.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): [number, number] {
  if (!(n > 0)) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // The bounds are exactly 0 / 1 at 0 / n successes (rounding would leave 1e-17 off).
  return [successes <= 0 ? 0 : Math.max(0, center - half), successes >= n ? 1 : Math.min(1, center + half)];
}

/** Mean of a list (0 for an empty list). */
export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** Sample standard deviation (0 for fewer than 2 values). */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

/** Two agents' successes on the same episodes (same levels, same seeds), paired. */
export interface PairedSuccess {
  /** Episodes compared. */
  n: number;
  both: number;
  /** Won by A only (A "gained" them over B). */
  onlyA: number;
  /** Won by B only. */
  onlyB: number;
  neither: number;
  /**
   * Two-sided exact McNemar test (binomial on the discordant pairs, p = 1/2): the chance of
   * a split at least this uneven if A and B were equally good. 1 when no pair differs.
   */
  pValue: number;
}

/**
 * Paired comparison of two success lists (index i: the same level for both). On one fixed
 * test set this is far more sensitive than comparing the two Wilson intervals: the levels
 * both solve (or both fail) carry no information about which agent is better.
 */
export function pairedSuccess(a: readonly boolean[], b: readonly boolean[]): PairedSuccess {
  if (a.length !== b.length) throw new RangeError(`pairedSuccess: ${a.length} vs ${b.length} episodes; pair the same episodes`);
  let both = 0, onlyA = 0, onlyB = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    else if (a[i]) onlyA++;
    else if (b[i]) onlyB++;
  }
  return { n: a.length, both, onlyA, onlyB, neither: a.length - both - onlyA - onlyB, pValue: mcnemarExact(onlyA, onlyB) };
}

/** Two-sided exact binomial p-value of a split x : y under p = 1/2 (log space: no overflow). */
function mcnemarExact(x: number, y: number): number {
  const m = x + y;
  if (m === 0) return 1;
  const k = Math.min(x, y);
  // log C(m, i) - m log 2, summed for i = 0..k.
  let logC = 0, tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(m - i + 1) - Math.log(i);
    tail += Math.exp(logC - m * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}
