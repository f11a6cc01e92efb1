// The fused decoder (issue 13): LmmModel's whole transformer stack for a packed batch of
// new tokens against a per-row KV cache, on typed arrays, without tfjs. Generation runs it
// once for the prompts (prefill) and once per sampled token. Two engines with the same
// buffers and semantics: the native addon's `lmmForward` (native/tfjs-openblas/src/lmm.c,
// OpenBLAS sgemm) and `fusedForwardJs` below, the pure-TypeScript reference that the
// native one is tested against and the fallback without the addon. The per-op tfjs path
// (LmmModel.decode) stays the reference for both (test/model/fused.test.ts).
import type { ModelConfig } from './config.js';
import { ModelError } from './errors.js';
import { loadAddon, type NativeAddon } from './kernels/addon.js';

/** Sizes of the stack and of the cache. */
export interface FusedDims {
  nLayers: number;
  d: number;
  /** Attention heads. */
  H: number;
  /** Feed-forward width. */
  F: number;
  /** Vocabulary (rows of the tied head). */
  V: number;
  /** Positions per cache row. */
  Smax: number;
  /** Cache rows. */
  B: number;
}

/** Per-layer weight names in packed order (lmm.c's layer_weights reads the same order). */
export const FUSED_LAYER_WEIGHTS = ['ln1_g', 'ln1_b', 'qkv_w', 'qkv_b', 'out_w', 'out_b', 'ln2_g', 'ln2_b', 'ff1_w', 'ff1_b', 'ff2_w', 'ff2_b'] as const;

export function layerFloats(m: Pick<FusedDims, 'd' | 'F'>): number {
  return 4 * m.d * m.d + 2 * m.d * m.F + 9 * m.d + m.F;
}

/** Floats of the packed weights: every layer, then lnf_g, lnf_b, tok_emb. */
export function packedFloats(m: Pick<FusedDims, 'nLayers' | 'd' | 'F' | 'V'>): number {
  return m.nLayers * layerFloats(m) + 2 * m.d + m.V * m.d;
}

/** Offset of tok_emb [V, d] in the packed weights. */
export function tokEmbOffset(m: Pick<FusedDims, 'nLayers' | 'd' | 'F'>): number {
  return m.nLayers * layerFloats(m) + 2 * m.d;
}

/** The decoder's weights in one buffer, in the packed order. `value(name)` gives a weight's values. */
export function packWeights(c: ModelConfig, value: (name: string) => ArrayLike<number>): Float32Array {
  const m = { nLayers: c.nLayers, d: c.dModel, F: c.dFF, V: c.vocabSize };
  const out = new Float32Array(packedFloats(m));
  let o = 0;
  const put = (name: string) => {
    const v = value(name);
    out.set(v, o);
    o += v.length;
  };
  for (let l = 0; l < c.nLayers; l++) for (const w of FUSED_LAYER_WEIGHTS) put(`h${l}.${w}`);
  put('lnf_g'); put('lnf_b'); put('tok_emb');
  if (o !== out.length) throw new ModelError(`packed decoder weights: wrote ${o} of ${out.length} floats`);
  return out;
}

/**
 * Per-row KV cache. Keys are stored transposed, K [nLayers][B][H][dh][Smax], values as
 * V [nLayers][B][H][Smax][dh]; `len[b]` positions of row b are filled; the first `free[b]`
 * keys of row b (its visual tokens when the image carries no ALiBi penalty) get no bias.
 */
export class KvCache {
  readonly K: Float32Array;
  readonly V: Float32Array;
  readonly len: Int32Array;
  readonly free: Int32Array;

  constructor(readonly dims: FusedDims) {
    const n = dims.nLayers * dims.B * dims.d * dims.Smax;
    this.K = new Float32Array(n);
    this.V = new Float32Array(n);
    this.len = new Int32Array(dims.B);
    this.free = new Int32Array(dims.B);
  }

  /** Make row `to` a copy of row `from` (same prefix: computed once, e.g. the G samples of a group). */
  copyRow(from: number, to: number): void {
    const { nLayers, B, d, Smax } = this.dims, block = d * Smax;
    for (let l = 0; l < nLayers; l++) {
      const src = (l * B + from) * block, dst = (l * B + to) * block;
      this.K.copyWithin(dst, src, src + block);
      this.V.copyWithin(dst, src, src + block);
    }
    this.len[to] = this.len[from]!;
    this.free[to] = this.free[from]!;
  }
}

export type FusedEngine = 'native' | 'js';

/** The addon when it has the fused decoder (older builds do not), else null. */
export function fusedAddon(): NativeAddon | null {
  if (process.env.LMM_GYM_NATIVE === '0') return null;
  const { addon } = loadAddon();
  return addon && typeof addon.lmmForward === 'function' ? addon : null;
}

/**
 * Run the stack over the packed new tokens x [N, d] (token i goes to cache row rowOf[i] at
 * the next free position; a row's tokens in order), append their keys/values to the cache,
 * and write the logits [M, V] of the packed tokens `outRows` into `logits`.
 */
export function fusedForward(
  engine: FusedEngine, W: Float32Array, slopes: Float32Array, cache: KvCache, x: Float32Array,
  rowOf: Int32Array, outRows: Int32Array, logits: Float32Array, threads = 1,
): void {
  const m = cache.dims;
  if (engine === 'native') {
    const addon = fusedAddon();
    if (!addon) throw new ModelError('the native fused decoder is not available (addon not built, too old, or LMM_GYM_NATIVE=0)');
    addon.lmmForward!(Int32Array.of(m.nLayers, m.d, m.H, m.F, m.V, m.Smax, m.B), W, slopes, cache.K, cache.V, cache.len, cache.free, x, rowOf, outRows, logits, threads);
    return;
  }
  fusedForwardJs(m, W, slopes, cache, x, rowOf, outRows, logits);
}

const LN_EPS = 1e-5;

function layerNorm(x: Float32Array, xo: number, y: Float32Array, yo: number, d: number, W: Float32Array, g: number, b: number): void {
  let s = 0;
  for (let j = 0; j < d; j++) s += x[xo + j]!;
  const mean = s / d;
  let v = 0;
  for (let j = 0; j < d; j++) { const t = x[xo + j]! - mean; v += t * t; }
  const inv = 1 / Math.sqrt(v / d + LN_EPS);
  for (let j = 0; j < d; j++) y[yo + j] = (x[xo + j]! - mean) * inv * W[g + j]! + W[b + j]!;
}

/**
 * C[r] (+)= A[r] @ M + bias for rows r < rows, where M [k x n] is given transposed: WT[w +
 * j * k + kk] = M[kk][j]; bias at W[bias] (-1: none). Two rows x two columns per pass,
 * double accumulators (about 3x the plain triple loop in V8).
 */
function linearT(A: Float32Array, rows: number, k: number, WT: Float32Array, w: number, n: number, W: Float32Array, bias: number, C: Float32Array, accumulate: boolean): void {
  const put = (r: number, j: number, v: number) => {
    const o = r * n + j, b = bias >= 0 ? W[bias + j]! : 0;
    C[o] = accumulate ? C[o]! + (v + b) : v + b;
  };
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows, a0 = r * k, a1 = two ? a0 + k : a0;
    for (let j = 0; j < n; j += 2) {
      const pair = j + 1 < n, w0 = w + j * k, w1 = pair ? w0 + k : w0;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let kk = 0; kk < k; kk++) {
        const x0 = A[a0 + kk]!, x1 = A[a1 + kk]!, y0 = WT[w0 + kk]!, y1 = WT[w1 + kk]!;
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      put(r, j, s00);
      if (pair) put(r, j + 1, s01);
      if (two) { put(r + 1, j, s10); if (pair) put(r + 1, j + 1, s11); }
    }
  }
}

const transposedCache = new WeakMap<Float32Array, Float32Array>();

/** The packed weights with every layer's matrix transposed in place ([n x k] at the same offset), cached per buffer. */
function transposed(m: FusedDims, W: Float32Array): Float32Array {
  let WT = transposedCache.get(W);
  if (WT) return WT;
  WT = W.slice();
  const { d, F } = m, LF = layerFloats(m);
  const tr = (o: number, k: number, n: number) => {
    for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) WT![o + j * k + kk] = W[o + kk * n + j]!;
  };
  for (let l = 0; l < m.nLayers; l++) {
    const o = l * LF;
    tr(o + 2 * d, d, 3 * d);
    tr(o + 5 * d + 3 * d * d, d, d);
    tr(o + 8 * d + 4 * d * d, d, F);
    tr(o + 8 * d + 4 * d * d + d * F + F, F, d);
  }
  transposedCache.set(W, WT);
  return WT;
}

/** The pure-TypeScript fused decoder: same buffers and results (to float rounding) as the native one. */
export function fusedForwardJs(
  m: FusedDims, W: Float32Array, slopes: Float32Array, cache: KvCache, x: Float32Array,
  rowOf: Int32Array, outRows: Int32Array, logits: Float32Array,
): void {
  const { nLayers, d, H, F, V, Smax, B } = m, dh = d / H, N = rowOf.length, M = outRows.length;
  if (W.length !== packedFloats(m)) throw new ModelError('packed weights have the wrong length');
  if (x.length < N * d || logits.length < M * V) throw new ModelError('fused decoder: x or logits too small');
  const pos = new Int32Array(N), next = cache.len.slice();
  for (let i = 0; i < N; i++) {
    const b = rowOf[i]!;
    if (!(b >= 0 && b < B) || next[b]! >= Smax) throw new ModelError('rowOf out of range, or a cache row is full (Smax)');
    pos[i] = next[b]!++;
  }
  for (let k = 0; k < M; k++) if (!(outRows[k]! >= 0 && outRows[k]! < N)) throw new ModelError('outRows out of range');
  const R = Math.max(N, M);
  const h = x.slice(0, N * d), a = new Float32Array(R * d), qkv = new Float32Array(N * 3 * d);
  const mix = new Float32Array(R * d), ff = new Float32Array(R * F), hc = new Float32Array(M * d);
  const s = new Float64Array(Smax), out = new Float64Array(dh);
  const scale = Math.fround(1 / Math.sqrt(dh)), LF = layerFloats(m), WT = transposed(m, W);
  for (let l = 0; l < nLayers; l++) {
    let o = l * LF;
    const ln1g = o; o += d; const ln1b = o; o += d;
    const qkvW = o; o += 3 * d * d; const qkvB = o; o += 3 * d;
    const outW = o; o += d * d; const outB = o; o += d;
    const ln2g = o; o += d; const ln2b = o; o += d;
    const ff1W = o; o += d * F; const ff1B = o; o += F;
    const ff2W = o; o += F * d; const ff2B = o;
    for (let i = 0; i < N; i++) layerNorm(h, i * d, a, i * d, d, W, ln1g, ln1b);
    linearT(a, N, d, WT, qkvW, 3 * d, W, qkvB, qkv, false);
    for (let i = 0; i < N; i++) {
      const b = rowOf[i]!, p = pos[i]!;
      for (let hh = 0; hh < H; hh++) {
        const kt = ((l * B + b) * H + hh) * dh * Smax, vh = ((l * B + b) * H + hh) * Smax * dh;
        for (let e = 0; e < dh; e++) {
          cache.K[kt + e * Smax + p] = qkv[i * 3 * d + d + hh * dh + e]!;
          cache.V[vh + p * dh + e] = qkv[i * 3 * d + 2 * d + hh * dh + e]!;
        }
      }
    }
    // In the last layer only the requested rows go on (compact: row k is token outRows[k]).
    const last = l === nLayers - 1, rows = last ? M : N, hb = last ? hc : h;
    for (let k = 0; k < rows; k++) {
      const i = last ? outRows[k]! : k;
      if (last) hc.set(h.subarray(i * d, (i + 1) * d), k * d);
      const b = rowOf[i]!, S = pos[i]! + 1, free = Math.min(cache.free[b]!, S);
      for (let hh = 0; hh < H; hh++) {
        const kt = ((l * B + b) * H + hh) * dh * Smax, vh = ((l * B + b) * H + hh) * Smax * dh;
        const q0 = i * 3 * d + hh * dh, slope = slopes[hh]!;
        s.fill(0, 0, S);
        for (let e = 0; e < dh; e++) {
          const qe = Math.fround(qkv[q0 + e]! * scale), kr = kt + e * Smax;
          for (let j = 0; j < S; j++) s[j] += qe * cache.K[kr + j]!;
        }
        for (let j = free; j < S; j++) s[j] += -slope * (S - 1 - j);
        let mx = -Infinity;
        for (let j = 0; j < S; j++) if (s[j]! > mx) mx = s[j]!;
        let sum = 0;
        for (let j = 0; j < S; j++) { const e = Math.exp(s[j]! - mx); s[j] = e; sum += e; }
        out.fill(0);
        for (let j = 0; j < S; j++) {
          const wj = s[j]! / sum, vr = vh + j * dh;
          for (let e = 0; e < dh; e++) out[e] += wj * cache.V[vr + e]!;
        }
        for (let e = 0; e < dh; e++) mix[k * d + hh * dh + e] = out[e]!;
      }
    }
    linearT(mix, rows, d, WT, outW, d, W, outB, hb, true);
    for (let k = 0; k < rows; k++) layerNorm(hb, k * d, a, k * d, d, W, ln2g, ln2b);
    linearT(a, rows, d, WT, ff1W, F, W, ff1B, ff, false);
    for (let i = 0; i < rows * F; i++) { const v = ff[i]!; ff[i] = v / (1 + Math.exp(-1.702 * v)); }
    linearT(ff, rows, F, WT, ff2W, d, W, ff2B, hb, true);
  }
  const lnf = nLayers * LF, emb = lnf + 2 * d;
  for (let k = 0; k < M; k++) layerNorm(hc, k * d, a, k * d, d, W, lnf, lnf + d);
  linearT(a, M, d, W, emb, V, W, -1, logits, false); // tok_emb [V, d] is the head, transposed
  for (let i = 0; i < N; i++) cache.len[rowOf[i]!] = Math.max(cache.len[rowOf[i]!]!, pos[i]! + 1);
}
