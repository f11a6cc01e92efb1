// Every native kernel against the pure-JS tfjs kernel (swapped for real in the registry)
// or a plain-loop reference, on random shapes: transposes, batch-1 broadcast, empty and
// odd sizes. Skips with a clear message when the addon is not built.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../envs/core/rng.js';
import {
  NATIVE_KERNELS, NativeAdamOptimizer, activeAddon, nativeAddonAvailable, nativeKernelNames, nativePoolStats, tryRegisterNativeKernels, unregisterNativeKernels,
} from '../../agents/model/kernels/index.js';
import { pool, sizeClass } from '../../agents/model/kernels/pool.js';
import { maxRelErr, nativeAndJs, randomTensor, refMatMul } from './helpers.js';

const available = nativeAddonAvailable();
if (!available.ok) console.warn(`test/native: SKIPPED, ${available.reason}`);

const TOL = 2e-5;

describe.skipIf(!available.ok)('native cpu kernels', () => {
  const rng = new Rng(9);
  beforeAll(async () => {
    await tf.setBackend('cpu');
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;  // no tfjs-node banner
    const r = tryRegisterNativeKernels();
    expect(r.ok).toBe(true);
  });
  afterAll(() => unregisterNativeKernels());

  it('registers every kernel over the cpu backend, idempotently, and restores the JS ones', () => {
    const jsMatMul = (() => { unregisterNativeKernels(); return tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc; })();
    const first = tryRegisterNativeKernels();
    const second = tryRegisterNativeKernels({ threads: 2 });
    expect(first.kernels.sort()).toEqual(second.kernels.sort());
    expect(first.kernels).toContain('BatchMatMul');
    expect(tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc).not.toBe(jsMatMul);
    unregisterNativeKernels();
    expect(nativeKernelNames()).toEqual([]);
    expect(tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc).toBe(jsMatMul);
    const subset = tryRegisterNativeKernels({ kernels: ['Softmax'] });
    expect(subset.kernels).toEqual(['Softmax']);
    expect(nativeKernelNames()).toEqual(['Softmax']);
    unregisterNativeKernels();
    expect(tf.getKernel('BatchMatMul', 'cpu')!.kernelFunc).toBe(jsMatMul);
    tryRegisterNativeKernels();
    expect(() => tryRegisterNativeKernels({ kernels: ['NoSuchKernel'] })).toThrow(/unknown native kernel/);
    expect(() => tryRegisterNativeKernels({ threads: 0 })).toThrow(/threads/);
    tryRegisterNativeKernels();
  });

  it('LMM_GYM_NATIVE=0 disables them with a reason', () => {
    process.env.LMM_GYM_NATIVE = '0';
    try {
      const r = tryRegisterNativeKernels();
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/LMM_GYM_NATIVE=0/);
      expect(nativeKernelNames()).toEqual([]);
    } finally {
      delete process.env.LMM_GYM_NATIVE;
    }
    expect(tryRegisterNativeKernels().ok).toBe(true);
  });

  describe('BatchMatMul', () => {
    // [a shape (untransposed, outer dims then M, K), b shape (outer dims then K, N)]
    const cases: [number[], number[]][] = [
      [[7, 5], [5, 3]],
      [[1, 1], [1, 1]],
      [[33, 17], [17, 9]],
      [[3, 6, 5], [5, 4]],           // batch x shared weights (one tall sgemm)
      [[3, 6, 5], [3, 5, 4]],         // equal batches
      [[1, 6, 5], [4, 5, 7]],         // batch-1 broadcast of a
      [[4, 6, 5], [1, 5, 7]],         // batch-1 broadcast of b
      [[2, 3, 4, 5], [2, 3, 5, 2]],   // attention-like rank 4
      [[2, 1, 4, 5], [1, 3, 5, 6]],   // differing batch dims (general broadcast)
      [[2, 3, 4, 5], [5, 6]],         // rank 4 x rank 2
      [[6, 5], [2, 5, 3]],            // rank 2 x rank 3
      [[0, 5], [5, 3]],               // empty M
      [[4, 0], [0, 3]],               // empty K: zeros
      [[4, 5], [5, 0]],               // empty N
      [[0, 4, 5], [0, 5, 3]],         // empty batch
    ];
    for (const [as, bs] of cases) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        it(`${JSON.stringify(as)} x ${JSON.stringify(bs)} transposeA=${tA} transposeB=${tB}`, () => {
          const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
          const a = randomTensor(rng, swap(as, tA)), b = randomTensor(rng, swap(bs, tB));
          const ref = refMatMul(a, b, tA, tB);
          const r = nativeAndJs(() => tf.matMul(a, b, tA, tB), 'BatchMatMul');
          expect(r.shape).toEqual(ref.shape);
          expect(maxRelErr(r.native, ref.values)).toBeLessThan(TOL);
          // The JS kernel is only right when batches are equal or one is 1 (it indexes bi % batch).
          const ba = as.slice(0, -2).reduce((p, d) => p * d, 1), bb = bs.slice(0, -2).reduce((p, d) => p * d, 1);
          if (ba === bb || ba === 1 || bb === 1) expect(maxRelErr(r.native, r.js)).toBeLessThan(TOL);
          a.dispose(); b.dispose();
        });
      }
    }

    it('the small-GEMM kernel and OpenBLAS both match the reference, every transpose', () => {
      const addon = activeAddon()!;
      try {
        for (const limit of [0, 2 ** 30]) {  // 0: always OpenBLAS; 2^30: always the small kernel
          addon.setSmallGemmLimit(limit);
          for (const [as, bs] of [[[3, 41, 33], [3, 33, 50]], [[1, 17], [17, 3]], [[2, 9, 70], [70, 16]], [[130, 150], [150, 140]]] as [number[], number[]][]) {
            for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
              const swap = (sh: number[], t: boolean) => (t ? [...sh.slice(0, -2), sh[sh.length - 1]!, sh[sh.length - 2]!] : sh);
              const a = randomTensor(rng, swap(as, tA)), b = randomTensor(rng, swap(bs, tB));
              const ref = refMatMul(a, b, tA, tB);
              const got = tf.tidy(() => tf.matMul(a, b, tA, tB));
              expect(maxRelErr(got.dataSync(), ref.values), `${limit} ${as} ${bs} ${tA} ${tB}`).toBeLessThan(TOL);
              tf.dispose([a, b, got]);
            }
          }
        }
      } finally {
        addon.setSmallGemmLimit(0);
      }
    });

    it('a shape mismatch throws the JS kernel error', () => {
      const a = tf.ones([2, 3]), b = tf.ones([4, 5]);
      expect(() => tf.matMul(a, b)).toThrow(/inner shapes|must match/);
      tf.dispose([a, b]);
    });

    it('int32 inputs fall back to the JS kernel', () => {
      const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
      const c = tf.matMul(a, a);
      expect(Array.from(c.dataSync())).toEqual([7, 10, 15, 22]);
      tf.dispose([a, c]);
    });
  });

  describe('_FusedMatMul', () => {
    const acts = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const;
    for (const activation of acts) {
      for (const biasShape of [[9], [], [1, 9], [13, 9], null]) {
        it(`activation ${activation}, bias ${JSON.stringify(biasShape)}`, () => {
          const a = randomTensor(rng, [13, 11], -2, 2), b = randomTensor(rng, [11, 9], -2, 2);
          const bias = biasShape ? randomTensor(rng, biasShape) : undefined;
          const alpha = activation === 'prelu' ? randomTensor(rng, [9], 0, 0.5) : undefined;
          const r = nativeAndJs(() => tf.fused.matMul({
            a, b, bias, activation, preluActivationWeights: alpha, leakyreluAlpha: 0.3,
          }), '_FusedMatMul');
          expect(r.shape).toEqual(r.jsShape);
          expect(maxRelErr(r.native, r.js)).toBeLessThan(TOL);
          tf.dispose([a, b, bias, alpha].filter((t): t is tf.Tensor => !!t));
        });
      }
    }
    it('transposes and batches with a fused bias', () => {
      const a = randomTensor(rng, [2, 7, 5]), b = randomTensor(rng, [2, 6, 7]), bias = randomTensor(rng, [6]);
      const r = nativeAndJs(() => tf.fused.matMul({ a, b, bias, transposeA: true, transposeB: true, activation: 'relu' }));
      expect(r.shape).toEqual([2, 5, 6]);
      expect(maxRelErr(r.native, r.js)).toBeLessThan(TOL);
      tf.dispose([a, b, bias]);
    });
  });

  describe('binary ops with broadcasting', () => {
    const pairs: [number[], number[]][] = [
      [[37], [37]], [[5, 7], []], [[], [5, 7]], [[4, 6, 8], [8]], [[4, 6, 1], [4, 6, 8]],
      [[2, 1, 5, 5], [2, 3, 5, 5]], [[3, 1, 5], [1, 4, 1]], [[1, 9], [7, 1]], [[0, 3], [3]], [[2, 3], [0, 2, 3]],
      [[64, 129], [64, 129]], [[300, 257], [257]],
    ];
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['Add', tf.add], ['Sub', tf.sub], ['Multiply', tf.mul], ['RealDiv', tf.div], ['Maximum', tf.maximum],
      ['Minimum', tf.minimum], ['SquaredDifference', tf.squaredDifference],
    ];
    for (const [name, op] of ops) {
      it(name, () => {
        for (const [as, bs] of pairs) {
          const a = randomTensor(rng, as), b = name === 'RealDiv' ? randomTensor(rng, bs, 0.5, 2) : randomTensor(rng, bs);
          const r = nativeAndJs(() => op(a, b), name);
          expect(r.shape, `${as} ${bs}`).toEqual(r.jsShape);
          expect(maxRelErr(r.native, r.js), `${as} ${bs}`).toBeLessThan(1e-6);
          tf.dispose([a, b]);
        }
      });
    }
    it('propagates NaN like the JS kernels and falls back for int32', () => {
      const a = tf.tensor1d([NaN, 1, -Infinity, 2]), b = tf.tensor1d([0, NaN, 3, Infinity]);
      for (const op of [tf.add, tf.maximum, tf.minimum, tf.mul]) {
        const r = nativeAndJs(() => op(a, b));
        expect(maxRelErr(r.native, r.js)).toBe(0);
      }
      const i = tf.tensor1d([1, 2, 3], 'int32');
      const s = tf.add(i, i);
      expect(s.dtype).toBe('int32');
      expect(Array.from(s.dataSync())).toEqual([2, 4, 6]);
      tf.dispose([a, b, i, s]);
    });
  });

  describe('unary ops', () => {
    const ops: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
      ['Exp', tf.exp, -5, 5], ['Neg', tf.neg, -5, 5], ['Sqrt', tf.sqrt, 0, 5], ['Rsqrt', tf.rsqrt, 0.1, 5],
      ['Square', tf.square, -5, 5], ['Relu', tf.relu, -5, 5], ['Tanh', tf.tanh, -5, 5], ['Sigmoid', tf.sigmoid, -8, 8],
      ['Log', tf.log, 0.01, 5], ['Abs', tf.abs, -5, 5], ['Reciprocal', tf.reciprocal, 0.1, 5],
    ];
    for (const [name, op, lo, hi] of ops) {
      it(name, () => {
        for (const shape of [[1], [0], [3, 41], [2, 70001]]) {
          const x = randomTensor(rng, shape, lo, hi);
          const r = nativeAndJs(() => op(x), name);
          expect(r.shape).toEqual(shape);
          expect(maxRelErr(r.native, r.js)).toBeLessThan(2e-6);
          x.dispose();
        }
      });
    }
  });

  describe('Softmax', () => {
    for (const shape of [[1], [7], [5, 1], [4, 33], [2, 3, 96], [2, 4, 9, 9]]) {
      it(JSON.stringify(shape), () => {
        const x = randomTensor(rng, shape, -10, 10);
        const r = nativeAndJs(() => tf.softmax(x), 'Softmax');
        expect(maxRelErr(r.native, r.js)).toBeLessThan(1e-6);
        x.dispose();
      });
    }
    it('masked rows (-1e9 and -Infinity) and NaN match JS', () => {
      const x = tf.tensor2d([0, 1, -1e9, 2, -Infinity, 3, 0.5, -Infinity, NaN, 1, 2, 3], [3, 4]);
      const r = nativeAndJs(() => tf.softmax(x));
      expect(maxRelErr(r.native, r.js)).toBeLessThan(1e-6);
      x.dispose();
    });
    it('empty', () => {
      const x = tf.zeros([0, 5]);
      const r = nativeAndJs(() => tf.softmax(x));
      expect(r.shape).toEqual([0, 5]);
      x.dispose();
    });
  });

  describe('reductions', () => {
    const cases: [number[], number | number[]][] = [
      [[37], 0], [[6, 9], 1], [[6, 9], 0], [[6, 9], [0, 1]], [[4, 5, 6], [0, 1]], [[4, 5, 6], 1], [[4, 5, 6], [1, 2]],
      [[4, 5, 6], [0, 2]], [[2, 3, 4, 5], -1], [[300, 129], 0], [[3, 0, 4], 1], [[1, 1, 7], [0, 1]],
    ];
    const ops: [string, (x: tf.Tensor, axis: number | number[], keep: boolean) => tf.Tensor][] = [
      ['Sum', tf.sum], ['Mean', tf.mean], ['Max', tf.max], ['Min', tf.min],
    ];
    for (const [name, op] of ops) {
      it(name, () => {
        for (const [shape, axis] of cases) {
          if (shape.includes(0) && (name === 'Max' || name === 'Min')) continue;
          for (const keep of [false, true]) {
            const x = randomTensor(rng, shape);
            const r = nativeAndJs(() => op(x, axis, keep), name);
            expect(r.shape, `${shape} ${axis}`).toEqual(r.jsShape);
            expect(maxRelErr(r.native, r.js), `${shape} ${axis}`).toBeLessThan(2e-6);
            x.dispose();
          }
        }
      });
    }
  });

  describe('Transpose', () => {
    const cases: [number[], number[]][] = [
      [[5, 7], [1, 0]], [[2, 3, 4], [0, 2, 1]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4, 5], [0, 2, 1, 3]],
      [[2, 1, 4, 1, 3], [4, 3, 2, 1, 0]], [[3, 4], [0, 1]], [[0, 4], [1, 0]], [[33, 65], [1, 0]],
    ];
    for (const [shape, perm] of cases) {
      it(`${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`, () => {
        const x = randomTensor(rng, shape);
        const r = nativeAndJs(() => tf.transpose(x, perm), 'Transpose');
        expect(r.shape).toEqual(r.jsShape);
        expect(maxRelErr(r.native, r.js)).toBe(0);
        x.dispose();
      });
    }
  });

  describe('Slice and SplitV', () => {
    it('Slice: strided, contiguous (a view) and empty', () => {
      const x = randomTensor(rng, [4, 6, 5, 3]);
      const cases: [number[], number[]][] = [
        [[0, 2, 0, 0], [4, 3, 5, 3]], [[1, 0, 0, 0], [2, 6, 5, 3]], [[0, 1, 2, 1], [3, 4, 2, 2]], [[3, 5, 4, 2], [1, 1, 1, 1]],
        [[0, 0, 0, 0], [4, 0, 5, 3]], [[1, 2, 0, 0], [-1, -1, 5, 3]],
      ];
      for (const [b, s] of cases) {
        const r = nativeAndJs(() => tf.slice(x, b, s), 'Slice');
        expect(r.shape).toEqual(r.jsShape);
        expect(maxRelErr(r.native, r.js)).toBe(0);
      }
      x.dispose();
    });
    it('SplitV: equal and sized splits on every axis', () => {
      const x = randomTensor(rng, [4, 6, 9]);
      for (const [splits, axis] of [[3, 2], [2, 1], [[1, 3, 2], 1], [[2, -1], 0], [[5, 0, 4], -1]] as [number | number[], number][]) {
        for (let i = 0; i < (typeof splits === 'number' ? splits : splits.length); i++) {
          const r = nativeAndJs(() => tf.split(x, splits, axis)[i]!, 'SplitV');
          expect(r.shape).toEqual(r.jsShape);
          expect(maxRelErr(r.native, r.js)).toBe(0);
        }
      }
      expect(() => tf.split(x, 4, 1)).toThrow();
      x.dispose();
    });
  });

  it('Concat on every axis, with empty and narrow pieces', () => {
    const cases: [number[][], number][] = [
      [[[4, 6, 70], [4, 6, 70], [4, 6, 70]], 1], [[[3, 100], [5, 100]], 0], [[[2, 3, 80], [2, 3, 90]], 2],
      [[[2, 3, 4], [2, 3, 5]], 2], [[[2, 0, 64], [2, 3, 64]], 1], [[[129]], 0], [[[32, 4, 96, 32], [32, 4, 96, 32]], 1],
    ];
    for (const [shapes, axis] of cases) {
      const xs = shapes.map((s) => randomTensor(rng, s));
      const r = nativeAndJs(() => tf.concat(xs, axis), 'Concat');
      expect(r.shape).toEqual(r.jsShape);
      expect(maxRelErr(r.native, r.js)).toBe(0);
      tf.dispose(xs);
    }
  });

  it('GatherV2 on every axis, with repeated, empty and out-of-range indices', () => {
    const x = randomTensor(rng, [7, 5, 40]);
    for (const [idx, axis] of [[[0, 6, 3, 3], 0], [[4, 0], 1], [[39, 0, 17], 2], [[], 0], [[[1, 2], [3, 4]], 0]] as [number[] | number[][], number][]) {
      const i = tf.tensor(idx, undefined, 'int32');
      const r = nativeAndJs(() => tf.gather(x, i, axis), 'GatherV2');
      expect(r.shape).toEqual(r.jsShape);
      expect(maxRelErr(r.native, r.js)).toBe(0);
      i.dispose();
    }
    const bad = tf.tensor1d([0, 7], 'int32');
    expect(() => tf.gather(x, bad)).toThrow(/not in \[0, 6\]/);
    tf.dispose([x, bad]);
  });

  it('gradients of a small matmul chain match the JS kernels', () => {
    const x = randomTensor(rng, [2, 6, 8]), w1 = randomTensor(rng, [8, 12]), b1 = randomTensor(rng, [12]);
    const w2 = randomTensor(rng, [12, 8]), q = randomTensor(rng, [2, 6, 8]);
    const loss = (xx: tf.Tensor, a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor) => {
      const h = tf.relu(tf.add(tf.matMul(xx.reshape([12, 8]), a), bb));
      const y = tf.matMul(h, c).reshape([2, 6, 8]);
      const att = tf.softmax(tf.matMul(y, q, false, true));
      const z = tf.matMul(att, tf.transpose(y, [0, 1, 2]));
      const { mean, variance } = tf.moments(z, -1, true);
      return tf.sum(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, 1e-5))).square());
    };
    const grads = tf.grads(loss);
    for (const i of [0, 1, 2, 3]) {
      const r = nativeAndJs(() => grads([x, w1, b1, w2])[i]!);
      expect(maxRelErr(r.native, r.js), `grad ${i}`).toBeLessThan(1e-4);
    }
    tf.dispose([x, w1, b1, w2, q]);
  });

  it('NativeAdamOptimizer follows tf.train.adam step for step', () => {
    const init = [randomTensor(rng, [5, 7]), randomTensor(rng, [7])];
    const run = (opt: tf.Optimizer) => {
      const vars = init.map((t) => tf.variable(t.clone()));
      for (let s = 0; s < 4; s++) {
        opt.minimize(() => tf.sum(tf.square(tf.add(tf.matMul(tf.ones([3, 5]), vars[0]!), vars[1]!))) as tf.Scalar);
      }
      const out = vars.map((v) => Float32Array.from(v.dataSync()));
      tf.dispose(vars);
      opt.dispose();
      return out;
    };
    const native = run(new NativeAdamOptimizer(0.05, 0.9, 0.999));
    const js = run(tf.train.adam(0.05, 0.9, 0.999));
    expect(maxRelErr(native[0]!, init[0]!.dataSync())).toBeGreaterThan(1e-3);  // it moved
    expect(maxRelErr(native[0]!, js[0]!)).toBeLessThan(1e-5);
    expect(maxRelErr(native[1]!, js[1]!)).toBeLessThan(1e-5);
    tf.dispose(init);
  });

  it('leaks no tensors', () => {
    const a = randomTensor(rng, [2, 4, 6, 8]), b = randomTensor(rng, [8, 6]), bias = randomTensor(rng, [4, 6]);
    const opt = new NativeAdamOptimizer(0.01);
    const v = tf.variable(tf.ones([3, 3]));
    const step = () => opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar);
    step();  // creates the moment variables
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const y = tf.fused.matMul({ a: a.reshape([48, 8]), b, bias: tf.tile(bias, [12, 1]), activation: 'prelu', preluActivationWeights: tf.ones([6]) });
        const s = tf.softmax(tf.transpose(y.reshape([2, 4, 6, 6]), [0, 1, 3, 2]));
        return tf.sum(tf.mul(s, tf.matMul(s, s, false, true)), [1, 2]);
      }).dispose();
      step();
    }
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([a, b, bias, v]);
  });

  describe('buffer pool', () => {
    it('recycles disposed outputs of native kernels', () => {
      const x = randomTensor(rng, [200, 300]);
      const before = nativePoolStats();
      expect(before.active).toBe(true);
      for (let i = 0; i < 4; i++) tf.tidy(() => tf.exp(tf.add(x, 1)));
      const after = nativePoolStats();
      expect(after.recycled).toBeGreaterThan(before.recycled);
      expect(after.reused).toBeGreaterThan(before.reused);
      x.dispose();
    });
    it('never recycles a buffer that was read (dataSync) or viewed by another tensor', () => {
      const x = randomTensor(rng, [256, 128]);
      // 1. values read with dataSync stay intact after the tensor is disposed
      const y = tf.mul(x, 2);
      const seen = y.dataSync();
      const copy = Float32Array.from(seen);
      y.dispose();
      for (let i = 0; i < 3; i++) tf.tidy(() => tf.mul(x, 3 + i));
      expect(maxRelErr(seen, copy)).toBe(0);
      // 2. contiguous slices (views), JS StridedSlice / Unpack views keep the parent's buffer
      for (const makeView of [
        (z: tf.Tensor) => tf.slice(z, [10, 0], [100, 128]),
        (z: tf.Tensor) => tf.stridedSlice(z, [20, 0], [120, 128], [1, 1]),
        (z: tf.Tensor) => tf.tidy(() => tf.unstack(z.reshape([2, 128, 128]))[1]!),
      ]) {
        const z = tf.add(x, 1);
        const view = makeView(z);
        const expected = Float32Array.from(tf.tidy(() => tf.mul(view, 1)).dataSync());
        const recycled = nativePoolStats().recycled;
        z.dispose();
        expect(nativePoolStats().recycled).toBe(recycled);
        for (let i = 0; i < 3; i++) tf.tidy(() => tf.sub(x, 5 + i));
        expect(maxRelErr(view.dataSync(), expected)).toBe(0);
        view.dispose();
      }
      x.dispose();
    });
    it('pools by size class: an output of a nearby length reuses the buffer, and reads only its own length', () => {
      for (const n of [1 << 14, 20_000, 60_000, 61_441, 3_913_728]) {
        expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
        expect(sizeClass(n)).toBeLessThanOrEqual(Math.ceil(n * 1.125));
      }
      expect(sizeClass(100)).toBe(100);
      expect(sizeClass(60_000)).toBe(sizeClass(60_300));
      const a = randomTensor(rng, [200, 300]), b = randomTensor(rng, [201, 300]);
      tf.exp(a).dispose(); // parks a class-sized buffer
      const before = nativePoolStats();
      const y = tf.exp(b);
      expect(nativePoolStats().reused).toBe(before.reused + 1);
      expect(y.shape).toEqual([201, 300]);
      expect(maxRelErr(y.dataSync(), Float32Array.from(b.dataSync(), Math.exp))).toBeLessThan(TOL);
      tf.dispose([a, b, y]);
    });
    it('keeps parked + handed-out bytes under maxBytes, dropping the least recently asked classes first', () => {
      const saved = pool.maxBytes;
      pool.maxBytes = 4 * 2 ** 20;
      try {
        const x = randomTensor(rng, [500_000]);
        for (const n of [100_000, 200_000, 300_000, 100_000, 450_000, 200_000]) {
          tf.tidy(() => { tf.exp(x.slice(0, n)); });
          const { parked, inUse } = pool.bytes;
          expect(parked + inUse).toBeLessThanOrEqual(pool.maxBytes);
        }
        const kept = tf.exp(x); // 2 MB handed out
        expect(pool.bytes.inUse).toBeGreaterThanOrEqual(2_000_000);
        kept.dispose();
        x.dispose();
      } finally {
        pool.maxBytes = saved;
      }
    });
    it('is off with LMM_GYM_NATIVE_POOL=0 or pool: false', () => {
      tryRegisterNativeKernels({ pool: false });
      expect(nativePoolStats().active).toBe(false);
      tryRegisterNativeKernels();
    });
  });

  it('the kernel table names real tfjs cpu kernels', () => {
    unregisterNativeKernels();
    for (const name of Object.keys(NATIVE_KERNELS)) expect(tf.getKernel(name, 'cpu'), name).toBeTruthy();
    tryRegisterNativeKernels();
  });
});

describe.skipIf(!available.ok)('native kernels in two worker threads at once', () => {
  it('both threads get correct results (the C thread pool serves one caller at a time)', async () => {
    const { Worker } = await import('node:worker_threads');
    const root = join(__dirname, '..', '..');
    const kernels = pathToFileURL(join(root, 'dist/agents/model/kernels/index.js')).href;
    const code = `(async () => {
      const { parentPort, workerData } = require('node:worker_threads');
      const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});
      const k = await import(${JSON.stringify(kernels)});
      await tf.setBackend('cpu');
      tf.backend().firstUse = false;
      const x = tf.randomUniform([256, 600], -1, 1, 'float32', workerData.seed);
      const a = tf.randomUniform([64, 40, 24], -1, 1, 'float32', workerData.seed + 1);
      const f = () => tf.tidy(() => tf.sum(tf.matMul(a, tf.softmax(tf.mul(a, 2)), false, true), 0).add(tf.sum(tf.exp(tf.mul(x, x)), 1).mean()));
      k.unregisterNativeKernels();
      const ref = f().dataSync().slice();
      k.tryRegisterNativeKernels({ threads: 2 });
      let worst = 0;
      for (let i = 0; i < 30; i++) {
        const got = f().dataSync();
        for (let j = 0; j < ref.length; j++) worst = Math.max(worst, Math.abs(got[j] - ref[j]) / (1 + Math.abs(ref[j])));
      }
      parentPort.postMessage(worst);
    })();`;
    const run = (seed: number) => new Promise<number>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { seed } });
      w.once('message', (m: number) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
    const errs = await Promise.all([run(1), run(2)]);
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  }, 60_000);
});

describe('without the native addon (a child process with LMM_GYM_NATIVE_ADDON pointing nowhere)', () => {
  it('the cpu backend runs pure JS and its one log line says how to get the fast path', () => {
    const root = join(__dirname, '..', '..');
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/agents/model/index.js')).href)});
      const lines = [];
      const info = await m.initBackend({ backend: 'cpu', log: (l) => lines.push(l) });
      const tf = await import('@tensorflow/tfjs');
      const y = tf.matMul(tf.ones([3, 4]), tf.ones([4, 2])).dataSync();
      console.log(JSON.stringify({ info, lines, y: Array.from(y) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root, encoding: 'utf8', env: { ...process.env, LMM_GYM_NATIVE_ADDON: join(root, 'no', 'such', 'addon.node') },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { info: { nativeKernels: boolean }; lines: string[]; y: number[] };
    expect(out.info.nativeKernels).toBe(false);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/native kernels off/);
    expect(out.lines[0]).toMatch(/apt-get install libopenblas-dev/);
    expect(out.lines[0]).toMatch(/npm rebuild @lmm-gym\/tfjs-openblas/);
    expect(out.y).toEqual([4, 4, 4, 4, 4, 4]);
  }, 60_000);
});

describe.skipIf(available.ok)('without the native addon', () => {
  it('tryRegisterNativeKernels says why and how to get the fast path', () => {
    const r = tryRegisterNativeKernels();
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/libopenblas-dev/);
    expect(r.kernels).toEqual([]);
  });
});
