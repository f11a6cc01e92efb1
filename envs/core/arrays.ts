// Loops for what is often written with a spread into function arguments. `Math.max(...xs)`,
// `out.push(...xs)` and `f.apply(null, xs)` put every element on the call stack and throw
// "Maximum call stack size exceeded" past ~100k elements (a long training run's metrics,
// a big batch): library code uses these instead, whatever the length.

/** The largest of `values`: -Infinity when empty, NaN when one is NaN (as Math.max). */
export function maxOf(values: Iterable<number>): number {
  let m = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

/** The smallest of `values`: Infinity when empty, NaN when one is NaN (as Math.min). */
export function minOf(values: Iterable<number>): number {
  let m = Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v < m) m = v;
  }
  return m;
}

/** Append every item of `items` to `out` and return `out` (any number of items). */
export function pushAll<T>(out: T[], items: Iterable<T>): T[] {
  for (const x of items) out.push(x);
  return out;
}
