// Per-kernel exclusive wall time of a piece of tfjs work on the cpu backend: every
// registered cpu kernel is wrapped with a timer for the duration of `fn`. Used by
// bench/native.ts to find where a training step's time goes.
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  calls: number;
  /** Exclusive milliseconds (time in kernels it called through the registry is excluded). */
  ms: number;
}

export function profileKernels<T>(fn: () => T): { result: T; kernels: KernelTime[]; totalMs: number } {
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
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const dt = performance.now() - t0;
          const child = stack.pop()!;
          if (stack.length) stack[stack.length - 1]! += dt;
          const s = stats.get(k.kernelName) ?? { calls: 0, ms: 0 };
          s.calls++;
          s.ms += dt - child;
          stats.set(k.kernelName, s);
        }
      },
    });
  }
  const t0 = performance.now();
  let result: T;
  try {
    result = fn();
  } finally {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, 'cpu');
      tf.registerKernel(k);
    }
  }
  const totalMs = performance.now() - t0;
  const kernels = [...stats].map(([kernel, s]) => ({ kernel, ...s })).sort((p, q) => q.ms - p.ms);
  return { result, kernels, totalMs };
}
