// Loads the optional N-API addon native/tfjs-openblas (package @lmm-gym/tfjs-openblas).
// Never throws: a missing or broken build gives a reason string instead.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Activation codes of the fused matmul epilogue (native/tfjs-openblas/src/kernels.h). */
export const ACT = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 } as const;
/** Binary op codes (kernels.h LG_BIN_*). */
export const BIN = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 } as const;
/** Unary op codes (kernels.h LG_UN_*). */
export const UN = {
  Exp: 0, Neg: 1, Sqrt: 2, Rsqrt: 3, Square: 4, Relu: 5, Tanh: 6, Sigmoid: 7, Log: 8, Abs: 9, Reciprocal: 10,
} as const;
/** Reduction op codes (kernels.h LG_RED_*). */
export const RED = { Sum: 0, Max: 1, Min: 2, Mean: 3 } as const;

/** The addon's functions; all write into `out` buffers the caller allocated. */
export interface NativeAddon {
  matmul(
    a: Float32Array, b: Float32Array, out: Float32Array, batch: number, batchA: number, batchB: number,
    aIdx: Int32Array | null, bIdx: Int32Array | null, M: number, N: number, K: number,
    transA: number, transB: number, bias: Float32Array | null, act: number, alpha: number,
  ): void;
  binary(op: number, shape: Int32Array, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array): void;
  softmax(rows: number, n: number, x: Float32Array, out: Float32Array): void;
  reduce(op: number, outer: number, reduce: number, inner: number, x: Float32Array, out: Float32Array): void;
  transpose(shape: Int32Array, inStrides: Int32Array, x: Float32Array, out: Float32Array): void;
  adam(
    value: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    outValue: Float32Array, outM: Float32Array, outV: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number,
  ): void;
  /**
   * The fused decoder (agents/model/fused.ts documents the buffers): dims [nLayers, d, H,
   * F, V, Smax, B]; absent from builds before issue 13.
   */
  lmmForward?(
    dims: Int32Array, W: Float32Array, slopes: Float32Array, K: Float32Array, V: Float32Array,
    cacheLen: Int32Array, freeLen: Int32Array, x: Float32Array, rowOf: Int32Array, outRows: Int32Array,
    logits: Float32Array, threads: number,
  ): void;
  /**
   * Training kernels of the packed decoder (train.c; absent from builds before issue 13
   * round 2): LayerNorm, GELU, causal ALiBi attention and the sampled tokens' log-softmax,
   * forward and backward. agents/model/train-ops.ts wraps them as tfjs ops.
   */
  lnForward?(d: number, x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, stats: Float32Array): void;
  lnBackward?(d: number, dy: Float32Array, x: Float32Array, g: Float32Array, stats: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array): void;
  geluForward?(x: Float32Array, y: Float32Array): void;
  geluBackward?(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  attnForward?(dims: Int32Array, rowStart: Int32Array, freeN: Int32Array, slopes: Float32Array, qkv: Float32Array, out: Float32Array, P: Float32Array): void;
  attnBackward?(dims: Int32Array, rowStart: Int32Array, qkv: Float32Array, P: Float32Array, dout: Float32Array, dqkv: Float32Array): void;
  tokenLogProbs?(V: number, logits: Float32Array, targets: Int32Array, invT: number, logp: Float32Array, ent: Float32Array): void;
  tokenLogProbsBackward?(V: number, logits: Float32Array, targets: Int32Array, invT: number, dlogp: Float32Array, dent: Float32Array | null, dlogits: Float32Array): void;
  setThreads(n: number): void;
  /** Products below n multiply-adds use the small-GEMM kernel instead of OpenBLAS (0 = never, the default: it did not beat OpenBLAS). */
  setSmallGemmLimit(n: number): void;
  getThreads(): number;
  info(): { blasConfig: string; blasCore: string; procs: number; threads: number };
  /** CPU ms of the calling thread (CLOCK_THREAD_CPUTIME_ID). */
  threadCpuMs(): number;
}

export const ADDON_PACKAGE = '@lmm-gym/tfjs-openblas';
export const FAST_PATH_HINT =
  'for the fast path: apt-get install libopenblas-dev (plus g++, make, python3), then npm rebuild @lmm-gym/tfjs-openblas';

let cached: { addon: NativeAddon | null; reason: string } | null = null;

/** The addon, or null with the reason it could not be loaded (cached per process). */
export function loadAddon(): { addon: NativeAddon | null; reason: string } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  // LMM_GYM_NATIVE_ADDON=<path>: that build only (a custom build; the tests use a missing
  // path to check the fallback). Else 1. the installed optional dependency; 2. the in-repo
  // folder (built by hand with node-gyp).
  const override = process.env.LMM_GYM_NATIVE_ADDON;
  const candidates: string[] = override ? [override] : [ADDON_PACKAGE];
  for (let dir = dirname(fileURLToPath(import.meta.url)), i = 0; i < 6 && !override; i++, dir = dirname(dir)) {
    const p = join(dir, 'native', 'tfjs-openblas', 'index.cjs');
    if (existsSync(p)) { candidates.push(p); break; }
  }
  for (const id of candidates) {
    try {
      const addon = require(id) as NativeAddon;
      if (typeof addon.matmul !== 'function') throw new Error('not the expected addon');
      cached = { addon, reason: '' };
      return cached;
    } catch (e) {
      errors.push((e as Error).message.split('\n')[0]!);
    }
  }
  cached = { addon: null, reason: `native addon not built (${errors[errors.length - 1] ?? 'not found'})` };
  return cached;
}
