// Fused training ops of the packed decoder (issue 13, round 2): LayerNorm, GELU, causal
// ALiBi attention over packed rows and the sampled tokens' log-probs/entropy, each one
// tfjs op with its gradient (tf.customGrad) computed by the native addon (train.c). The
// per-op formulas they replace cost ~10-20 tfjs kernels each, forward and backward, and
// every intermediate stays alive until the gradients are done (tfjs' tape). The matrix
// products around them stay tfjs matMuls. Without the addon (or LMM_GYM_NATIVE=0) the
// model keeps its per-op path (`trainOpsAvailable()` says which).
import * as tf from '@tensorflow/tfjs';
import { loadAddon, type NativeAddon } from './kernels/addon.js';
import { f32, outputBuffer, type CpuBackendLike } from './kernels/backend.js';
import { ModelError } from './errors.js';

type Fused = Required<Pick<NativeAddon, 'lnForward' | 'lnBackward' | 'geluForward' | 'geluBackward' | 'attnForward' | 'attnBackward' | 'tokenLogProbs' | 'tokenLogProbsBackward'>>;

/** The addon when it has the training kernels, else null. */
export function trainAddon(): Fused | null {
  if (process.env.LMM_GYM_NATIVE === '0') return null;
  const { addon } = loadAddon();
  return addon && typeof addon.attnBackward === 'function' && typeof addon.tokenLogProbsBackward === 'function' ? (addon as unknown as Fused) : null;
}

export function trainOpsAvailable(): boolean {
  return trainAddon() !== null;
}

function need(): Fused {
  const a = trainAddon();
  if (!a) throw new ModelError('the fused training ops need the native addon with its training kernels (build native/tfjs-openblas; LMM_GYM_NATIVE=0 turns it off)');
  return a;
}

function cpu(): CpuBackendLike | null {
  return tf.getBackend() === 'cpu' ? (tf.backend() as unknown as CpuBackendLike) : null;
}

/**
 * A tensor's float32 values. On the cpu backend, its own buffer without a copy (and
 * without marking it escaped for the buffer pool, which dataSync would); elsewhere a copy.
 * The native kernels only read it.
 */
function read(t: tf.Tensor): Float32Array {
  const b = cpu();
  const v = b ? f32(b, t) : null;
  if (v && v.length === t.size) return v;
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

/** An output buffer the kernel overwrites entirely (pooled on the cpu backend). */
function alloc(n: number): Float32Array {
  const b = cpu();
  return b ? outputBuffer(b, n) : new Float32Array(n);
}

const first = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(dy) ? dy[0]! : dy);

type GradFn = (...args: unknown[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };
const custom = (f: GradFn) => tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;

/** LayerNorm over the last axis of x [N, d] with gain g [d] and bias b [d] (eps 1e-5, as the model's). */
export function layerNormOp(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const a = need();
  const [N, d] = x.shape;
  const op = custom((xt, gt, bt, save) => {
    const y = alloc(N * d), stats = new Float32Array(2 * N);
    a.lnForward(d, read(xt as tf.Tensor), read(gt as tf.Tensor), read(bt as tf.Tensor), y, stats);
    (save as (ts: tf.Tensor[]) => void)([xt as tf.Tensor, gt as tf.Tensor, tf.tensor1d(stats)]);
    return {
      value: tf.tensor2d(y, [N, d]),
      gradFunc: (dy, saved) => {
        const [xs, gs, st] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dx = alloc(N * d), dg = new Float32Array(d), db = new Float32Array(d);
        a.lnBackward(d, read(first(dy)), read(xs), read(gs), read(st), dx, dg, db);
        return [tf.tensor2d(dx, [N, d]), tf.tensor(dg, gs.shape), tf.tensor(db, gs.shape)];
      },
    };
  });
  return op(x, g, b) as tf.Tensor2D;
}

/** The model's GELU, x * sigmoid(1.702 x), element-wise. */
export function geluOp<T extends tf.Tensor>(x: T): T {
  const a = need();
  const op = custom((xt, save) => {
    const t = xt as tf.Tensor, y = alloc(t.size);
    a.geluForward(read(t), y);
    (save as (ts: tf.Tensor[]) => void)([t]);
    return {
      value: tf.tensor(y, t.shape),
      gradFunc: (dy, saved) => {
        const xs = saved[0]!, dx = alloc(xs.size);
        a.geluBackward(read(xs), read(first(dy)), dx);
        return tf.tensor(dx, xs.shape);
      },
    };
  });
  return op(x) as T;
}

/** Packed rows for `attentionOp`: row b holds tokens rowStart[b] .. rowStart[b + 1] - 1. */
export interface PackedRows {
  rowStart: Int32Array;
  /** Keys at the start of each row without the ALiBi distance penalty (its visual tokens, or 0). */
  freeKeys: Int32Array;
  /** ALiBi slope of each head (zeros for learned positions). */
  slopes: Float32Array;
}

/**
 * Causal multi-head attention of each packed row over itself: qkv [N, 3d] (queries, keys,
 * values; heads of width d / H inside each) -> [N, d], scores scaled by 1/sqrt(dh) plus
 * the ALiBi bias -slope * distance (none on the row's first freeKeys keys). The same as
 * the model's per-op attention on the rows' real (unpadded) positions.
 */
export function attentionOp(qkv: tf.Tensor2D, rows: PackedRows, nHeads: number): tf.Tensor2D {
  const a = need();
  const [N, d3] = qkv.shape, d = d3 / 3;
  const nRows = rows.rowStart.length - 1;
  if (!Number.isInteger(d) || d % nHeads !== 0 || rows.rowStart[nRows] !== N) throw new ModelError('attentionOp: qkv must be [N, 3d] with N = the packed rows\' tokens');
  const dims = Int32Array.of(d, nHeads);
  let pFloats = 0;
  for (let b = 0; b < nRows; b++) { const L = rows.rowStart[b + 1]! - rows.rowStart[b]!; pFloats += nHeads * L * L; }
  const op = custom((qt, save) => {
    const q = qt as tf.Tensor, out = alloc(N * d), P = alloc(Math.max(pFloats, 1));
    a.attnForward(dims, rows.rowStart, rows.freeKeys, rows.slopes, read(q), out, P);
    (save as (ts: tf.Tensor[]) => void)([q, tf.tensor1d(P)]);
    return {
      value: tf.tensor2d(out, [N, d]),
      gradFunc: (dy, saved) => {
        const [qs, Ps] = saved as [tf.Tensor, tf.Tensor];
        const dq = alloc(N * 3 * d);
        a.attnBackward(dims, rows.rowStart, read(qs), read(Ps), read(first(dy)), dq);
        return tf.tensor2d(dq, [N, 3 * d]);
      },
    };
  });
  return op(qkv) as tf.Tensor2D;
}

/**
 * Log-probs of `targets` under softmax(logits / temperature) and the entropy of that
 * distribution, for logits [M, V]: returns [2, M] (row 0 the log-probs, row 1 the
 * entropies), differentiable in the logits.
 */
export function tokenLogProbsOp(logits: tf.Tensor2D, targets: Int32Array, temperature: number): tf.Tensor2D {
  const a = need();
  const [M, V] = logits.shape;
  if (targets.length !== M) throw new ModelError(`tokenLogProbsOp: ${targets.length} targets for ${M} rows of logits`);
  const invT = 1 / temperature;
  const op = custom((lt, save) => {
    const l = lt as tf.Tensor, out = new Float32Array(2 * M);
    a.tokenLogProbs(V, read(l), targets, invT, out.subarray(0, M), out.subarray(M));
    (save as (ts: tf.Tensor[]) => void)([l]);
    return {
      value: tf.tensor2d(out, [2, M]),
      gradFunc: (dy, saved) => {
        const g = read(first(dy)), dl = alloc(M * V);
        a.tokenLogProbsBackward(V, read(saved[0]!), targets, invT, g.subarray(0, M), g.subarray(M, 2 * M), dl);
        return tf.tensor2d(dl, [M, V]);
      },
    };
  });
  return op(logits) as tf.Tensor2D;
}

/**
 * Scatter packed values [K, M] into [K, S] zeros at columns `slot` (a permutation of some
 * of the S columns), differentiable: the backward pass gathers them back.
 */
export function scatterColumnsOp(x: tf.Tensor2D, slot: Int32Array, S: number): tf.Tensor2D {
  const [K, M] = x.shape;
  if (slot.length !== M) throw new ModelError('scatterColumnsOp: one slot per column');
  const op = custom((xt) => {
    const v = read(xt as tf.Tensor), out = new Float32Array(K * S);
    for (let k = 0; k < K; k++) for (let i = 0; i < M; i++) out[k * S + slot[i]!] = v[k * M + i]!;
    return {
      value: tf.tensor2d(out, [K, S]),
      gradFunc: (dy) => {
        const g = read(first(dy)), dx = new Float32Array(K * M);
        for (let k = 0; k < K; k++) for (let i = 0; i < M; i++) dx[k * M + i] = g[k * S + slot[i]!]!;
        return tf.tensor2d(dx, [K, M]);
      },
    };
  });
  return op(x) as tf.Tensor2D;
}
