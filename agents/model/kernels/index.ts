// Native CPU kernels for the tfjs `cpu` backend (issue 9): OpenBLAS sgemm for the matrix
// products plus C element-wise / reduction / softmax / transpose kernels, registered over
// the pure-JS kernels of the same names. Optional: without the addon everything runs on
// the JS kernels and the returned reason says how to get the fast path.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BIN, FAST_PATH_HINT, RED, UN, loadAddon, type NativeAddon } from './addon.js';
import { binaryKernel, concatKernel, gatherKernel, reduceKernel, sliceKernel, softmaxKernel, splitKernel, transposeKernel, unaryKernel } from './elementwise.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { cpuBackend, setPoolEnabled } from './backend.js';
import { pool } from './pool.js';

export { NativeAdamOptimizer, nativeAdam } from './adam.js';

type Factory = (addon: NativeAddon, fallback: tf.KernelFunc) => tf.KernelFunc;

const bin = (op: number): Factory => (a, f) => binaryKernel(a, op, f);
const un = (op: number): Factory => (a, f) => unaryKernel(a, op, f);

/** Every kernel the addon can replace, by tfjs kernel name. */
export const NATIVE_KERNELS: Readonly<Record<string, Factory>> = {
  BatchMatMul: batchMatMulKernel,
  _FusedMatMul: fusedMatMulKernel,
  Add: bin(BIN.Add),
  Sub: bin(BIN.Sub),
  Multiply: bin(BIN.Multiply),
  RealDiv: bin(BIN.RealDiv),
  Maximum: bin(BIN.Maximum),
  Minimum: bin(BIN.Minimum),
  SquaredDifference: bin(BIN.SquaredDifference),
  Softmax: softmaxKernel,
  Sum: (a, f) => reduceKernel(a, RED.Sum, 'axis', f),
  Mean: (a, f) => reduceKernel(a, RED.Mean, 'axis', f),
  Max: (a, f) => reduceKernel(a, RED.Max, 'reductionIndices', f),
  Min: (a, f) => reduceKernel(a, RED.Min, 'axis', f),
  Transpose: transposeKernel,
  Slice: sliceKernel,
  SplitV: splitKernel,
  Concat: (_a, f) => concatKernel(f),
  GatherV2: (_a, f) => gatherKernel(f),
  Exp: un(UN.Exp),
  Neg: un(UN.Neg),
  Sqrt: un(UN.Sqrt),
  Rsqrt: un(UN.Rsqrt),
  Square: un(UN.Square),
  Relu: un(UN.Relu),
  Tanh: un(UN.Tanh),
  Sigmoid: un(UN.Sigmoid),
  Log: un(UN.Log),
  Abs: un(UN.Abs),
  Reciprocal: un(UN.Reciprocal),
};

/**
 * The kernels registered by default: all of them, each measured faster than the JS kernel
 * it replaces at the transformer step's shapes (bench/native.ts per-kernel lines, from 2x
 * for Tanh to >1000x for Slice/SplitV; docs/native.md has the table).
 */
export const DEFAULT_NATIVE_KERNELS: readonly string[] = Object.keys(NATIVE_KERNELS);

export interface NativeKernelOptions {
  /** Threads for OpenBLAS and the element-wise pool (default: env LMM_GYM_NATIVE_THREADS, OPENBLAS_NUM_THREADS, else all cores). */
  threads?: number;
  /** Kernel names to register (default DEFAULT_NATIVE_KERNELS). */
  kernels?: readonly string[];
  /** Recycle output buffers of disposed tensors (default on; env LMM_GYM_NATIVE_POOL=0 turns it off). */
  pool?: boolean;
}

export interface NativeKernelsResult {
  ok: boolean;
  /** Why not (with how to get the fast path), or what is on. */
  reason?: string;
  /** Kernel names now served natively on the cpu backend. */
  kernels: string[];
}

// The JS kernels we replaced, to call as fallback and to restore.
const replaced = new Map<string, tf.KernelConfig>();
// The other cpu kernels, wrapped by the buffer pool's view guard while the pool is on.
const guarded = new Map<string, tf.KernelConfig>();

function guardOthers(): void {
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (replaced.has(k.kernelName) || guarded.has(k.kernelName)) continue;
    tf.unregisterKernel(k.kernelName, 'cpu');
    tf.registerKernel({ ...k, kernelFunc: pool.guard(k.kernelFunc, cpuBackend) });
    guarded.set(k.kernelName, k);
  }
}

function unguardOthers(): void {
  for (const [name, k] of guarded) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(k);
  }
  guarded.clear();
}
let active: { addon: NativeAddon; threads: number } | null = null;

function threadCount(requested?: number): number {
  const fromEnv = Number(process.env.LMM_GYM_NATIVE_THREADS || process.env.OPENBLAS_NUM_THREADS || NaN);
  const n = requested ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism());
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`native kernel threads must be an integer in 1..256, got ${n}`);
  return n;
}

/**
 * Register the native kernels over the cpu backend's JS kernels. Idempotent (a second
 * call only changes the thread count / kernel set). Never throws for a missing addon:
 * returns ok false with the reason. LMM_GYM_NATIVE=0 disables (and unregisters).
 */
export function tryRegisterNativeKernels(options: NativeKernelOptions = {}): NativeKernelsResult {
  if (process.env.LMM_GYM_NATIVE === '0') {
    unregisterNativeKernels();
    return { ok: false, reason: 'native kernels disabled by LMM_GYM_NATIVE=0; running the pure-JS cpu kernels', kernels: [] };
  }
  const { addon, reason } = loadAddon();
  if (!addon) return { ok: false, reason: `${reason}; running the pure-JS cpu kernels (${FAST_PATH_HINT})`, kernels: [] };
  const threads = threadCount(options.threads);
  addon.setThreads(threads);
  active = { addon, threads };
  const wanted = new Set(options.kernels ?? DEFAULT_NATIVE_KERNELS);
  const unknown = [...wanted].filter((k) => !(k in NATIVE_KERNELS));
  if (unknown.length) throw new RangeError(`unknown native kernel(s) ${unknown.join(', ')}; known: ${Object.keys(NATIVE_KERNELS).join(', ')}`);
  // Kernel set changes go through a pool-off state: the epoch change forgets old buffers.
  setPoolEnabled(false);
  unguardOthers();
  for (const name of [...replaced.keys()]) if (!wanted.has(name)) restore(name);
  for (const name of wanted) {
    if (replaced.has(name)) continue;
    const original = tf.getKernel(name, 'cpu');
    if (!original) continue;  // this tfjs build has no such cpu kernel
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: NATIVE_KERNELS[name]!(addon, original.kernelFunc) });
    replaced.set(name, original);
  }
  const usePool = (options.pool ?? process.env.LMM_GYM_NATIVE_POOL !== '0') && replaced.size > 0;
  if (usePool) {
    guardOthers();
    setPoolEnabled(true);
  }
  const info = addon.info();
  const kernels = [...replaced.keys()];
  return {
    ok: true,
    reason: `native cpu kernels on (${info.blasConfig.trim().split(' ').slice(0, 2).join(' ')} ${info.blasCore}, ${threads} thread${threads > 1 ? 's' : ''}, ${kernels.length} kernels${usePool ? ', buffer pool' : ''})`,
    kernels,
  };
}

function restore(name: string): void {
  const original = replaced.get(name);
  if (!original) return;
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel(original);
  replaced.delete(name);
}

/** Put the pure-JS kernels back (for comparisons; the addon stays loaded). */
export function unregisterNativeKernels(): void {
  setPoolEnabled(false);
  unguardOthers();
  for (const name of [...replaced.keys()]) restore(name);
}

/** Buffer pool counters (allocated / reused / recycled output buffers). */
export function nativePoolStats(): { allocated: number; reused: number; recycled: number; active: boolean } {
  return { ...pool.stats, active: pool.active };
}

/** Kernel names served natively right now. */
export function nativeKernelNames(): string[] {
  return [...replaced.keys()];
}

/** The loaded addon's BLAS build and thread count, or null without the addon. */
export function nativeKernelInfo(): { blasConfig: string; blasCore: string; procs: number; threads: number } | null {
  const { addon } = loadAddon();
  return addon ? addon.info() : null;
}

/** Whether the addon can be loaded here (without registering anything). */
export function nativeAddonAvailable(): { ok: boolean; reason: string } {
  const { addon, reason } = loadAddon();
  return { ok: !!addon, reason: addon ? '' : `${reason} (${FAST_PATH_HINT})` };
}

/** @internal the addon in use, for the optimizer and benchmarks. */
export function activeAddon(): NativeAddon | null {
  return active?.addon ?? loadAddon().addon;
}
