import { cpus } from 'node:os';

/** Run `fn` repeatedly for about `seconds` (after a short warm-up); returns calls per second. */
export function rate(fn: () => void, seconds = 1, warmup = 0.2): number {
  const until = (s: number) => performance.now() + s * 1000;
  for (const end = until(warmup); performance.now() < end;) fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
  }
  return n / ((performance.now() - start) / 1000);
}

/** Async version of `rate` for promise-returning work. */
export async function rateAsync(fn: () => Promise<void>, seconds = 1, warmup = 0.2): Promise<number> {
  for (const end = performance.now() + warmup * 1000; performance.now() < end;) await fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) { await fn(); n++; }
  return n / ((performance.now() - start) / 1000);
}

/** Print one figure as an aligned line: `label  value unit`. */
export function report(label: string, value: number, unit: string): void {
  const v = value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
  console.log(`${label.padEnd(52)} ${v.padStart(12)} ${unit}`);
}

/** The machine, for the benchmarks page. */
export function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'cpu'}, Node ${process.version}`;
}
