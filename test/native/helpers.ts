import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../envs/core/rng.js';
import { tryRegisterNativeKernels, unregisterNativeKernels, nativeKernelNames } from '../../agents/model/kernels/index.js';

export function randomTensor(rng: Rng, shape: number[], lo = -1, hi = 1): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform(lo, hi);
  return tf.tensor(v, shape, 'float32');
}

/**
 * Run `fn` once on the native kernels and once on the pure-JS kernels (really swapping the
 * registered kernels), returning both results' values and shapes.
 */
export function nativeAndJs(fn: () => tf.Tensor, kernel?: string): { native: Float32Array; js: Float32Array; shape: number[]; jsShape: number[] } {
  const r = tryRegisterNativeKernels();
  if (!r.ok) throw new Error(r.reason);
  if (kernel && !nativeKernelNames().includes(kernel)) throw new Error(`${kernel} is not registered natively`);
  const a = tf.tidy(fn);
  const native = a.dataSync() as Float32Array, shape = a.shape;
  a.dispose();
  unregisterNativeKernels();
  try {
    const b = tf.tidy(fn);
    const js = b.dataSync() as Float32Array, jsShape = b.shape;
    b.dispose();
    return { native: Float32Array.from(native), js: Float32Array.from(js), shape, jsShape };
  } finally {
    tryRegisterNativeKernels();
  }
}

/** Largest |a - b| / (1 + |b|), treating equal non-finite values as equal. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
    worst = Math.max(worst, Math.abs(x - y) / (1 + Math.abs(y)));
  }
  return worst;
}

/** Reference batched matmul with numpy broadcasting, by plain loops (float64 sums). */
export function refMatMul(a: tf.Tensor, b: tf.Tensor, transA: boolean, transB: boolean): { values: Float32Array; shape: number[] } {
  const av = a.dataSync(), bv = b.dataSync();
  const ar = a.rank, br = b.rank;
  const M = transA ? a.shape[ar - 1]! : a.shape[ar - 2]!, K = transA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const N = transB ? b.shape[br - 2]! : b.shape[br - 1]!;
  const aOuter = a.shape.slice(0, -2), bOuter = b.shape.slice(0, -2);
  const rank = Math.max(aOuter.length, bOuter.length);
  const pa = [...Array(rank - aOuter.length).fill(1), ...aOuter], pb = [...Array(rank - bOuter.length).fill(1), ...bOuter];
  const out = pa.map((d, i) => Math.max(d, pb[i]!));
  const batch = out.reduce((p, d) => p * d, 1);
  const values = new Float32Array(batch * M * N);
  for (let bi = 0; bi < batch; bi++) {
    let r = bi, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = r % out[d]!;
      r = Math.floor(r / out[d]!);
      ia += (pa[d] === 1 ? 0 : idx) * sa; sa *= pa[d]!;
      ib += (pb[d] === 1 ? 0 : idx) * sb; sb *= pb[d]!;
    }
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const x = av[ia * M * K + (transA ? k * M + i : i * K + k)]!;
        const y = bv[ib * K * N + (transB ? j * K + k : k * N + j)]!;
        s += x * y;
      }
      values[bi * M * N + i * N + j] = s;
    }
  }
  return { values, shape: [...out, M, N] };
}
