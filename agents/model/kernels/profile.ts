// Per-kernel exclusive wall time of a piece of tfjs work on the cpu backend: every
// registered cpu kernel is wrapped with a timer for the duration of `fn`. Used by
// bench/native.ts to find where a training step's time goes.
import * as tf from '@tensorflow/tfjs';
import { loadAddon } from './addon.js';

export interface KernelTime {
  kernel: string;
  calls: number;
  /** Exclusive milliseconds (time in kernels it called through the registry is excluded). */
  ms: number;
}

/**
 * `clock: 'cpu'` measures process CPU time (all threads, GC helpers included) and
 * `clock: 'thread'` the calling thread's CPU time (needs the addon) instead of wall time:
 * on a machine shared with other work they show the work done rather than the waiting.
 * `detail` also splits each kernel's time by input shapes (kernel name + shapes).
 */
export function profileKernels<T>(fn: () => T, options: { clock?: 'wall' | 'cpu' | 'thread'; detail?: boolean } = {}): { result: T; kernels: KernelTime[]; totalMs: number } {
  const addon = loadAddon().addon;
  const now = options.clock === 'thread' && addon
    ? () => addon.threadCpuMs()
    : options.clock === 'cpu'
      ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
      : () => performance.now();
  const configs = tf.getKernelsForBackend('cpu');
  const stats = new Map<string, { calls: number; ms: number }>();
  const stack: number[] = [];  // child time accumulated per open kernel
  for (const k of configs) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'cpu');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        stack.push(0);
        const t0 = now();
        try {
          return inner(args);
        } finally {
          const dt = now() - t0;
          const child = stack.pop()!;
          if (stack.length) stack[stack.length - 1]! += dt;
          const key = options.detail
            ? `${k.kernelName} ${Object.values(args.inputs).map((t) => JSON.stringify(t?.shape ?? [])).join(' ')}`
            : k.kernelName;
          const s = stats.get(key) ?? { calls: 0, ms: 0 };
          s.calls++;
          s.ms += dt - child;
          stats.set(key, s);
        }
      },
    });
  }
  const t0 = now();
  let result: T;
  try {
    result = fn();
  } finally {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, 'cpu');
      tf.registerKernel(k);
    }
  }
  const totalMs = now() - t0;
  const kernels = [...stats].map(([kernel, s]) => ({ kernel, ...s })).sort((p, q) => q.ms - p.ms);
  return { result, kernels, totalMs };
}
