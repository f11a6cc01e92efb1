// Native CPU kernels (issue 9): the machine's sgemm peak, tfjs matmul GFLOP/s pure JS vs
// native, a transformer-block training step (batch 32, seq 96, width 128, ffn 512) with a
// per-kernel profile, and the small model's training / generation tokens/s, pure JS vs
// native in the same run. `npm run bench -- native` (LMM_GYM_BENCH_QUICK=1: fewer reps).
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { machine, report } from './util.js';
import { Rng } from '../envs/core/rng.js';
import {
  NativeAdamOptimizer, activeAddon, nativeAddonAvailable, nativeKernelInfo, tryRegisterNativeKernels, unregisterNativeKernels,
} from '../agents/model/kernels/index.js';
import { profileKernels } from '../agents/model/kernels/profile.js';

const QUICK = process.env.LMM_GYM_BENCH_QUICK === '1';

function randn(rng: Rng, shape: number[], std: number): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal(0, std);
  return tf.tensor(v, shape);
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Median seconds of `reps` runs of fn after `warm` warm-up runs: wall clock, and the CPU
 * time of this (the JS) thread, which on a machine shared with other work still shows the
 * work of single-threaded runs (for multi-threaded runs only the wall time means much).
 */
function timeBoth(fn: () => void, reps: number, warm = 1): { wall: number; thread: number } {
  const addon = activeAddon();
  const cpu = () => (addon ? addon.threadCpuMs() / 1000 : NaN);
  for (let i = 0; i < warm; i++) fn();
  const wall: number[] = [], thread: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now(), c0 = cpu();
    fn();
    wall.push((performance.now() - t0) / 1000);
    thread.push(cpu() - c0);
  }
  return { wall: median(wall), thread: median(thread) };
}


type Mode = 'js' | 'native-matmul' | 'native' | 'native-nopool';

function setMode(mode: Mode, threads?: number): void {
  unregisterNativeKernels();
  if (mode === 'native-matmul') tryRegisterNativeKernels({ kernels: ['BatchMatMul', '_FusedMatMul'], threads, pool: false });
  if (mode === 'native') tryRegisterNativeKernels({ threads });
  if (mode === 'native-nopool') tryRegisterNativeKernels({ threads, pool: false });
}

/** Best sgemm GFLOP/s over a few square sizes, straight through the addon. */
function sgemmPeak(threads: number): { gflops: number; n: number } {
  const addon = activeAddon()!;
  addon.setThreads(threads);
  let best = { gflops: 0, n: 0 };
  for (const n of [256, 512, 1024]) {
    const a = new Float32Array(n * n).fill(0.5), b = new Float32Array(n * n).fill(0.25), c = new Float32Array(n * n);
    const run = () => addon.matmul(a, b, c, 1, 1, 1, null, null, n, n, n, 0, 0, null, 0, 0);
    const reps = Math.max(3, Math.ceil(2e9 / (2 * n * n * n)));
    // One thread: CPU time of this thread (robust to other load); two: wall time.
    const t = timeBoth(() => { for (let i = 0; i < reps; i++) run(); }, 3);
    const s = threads === 1 ? t.thread : t.wall;
    const gflops = (2 * n * n * n * reps) / s / 1e9;
    if (gflops > best.gflops) best = { gflops, n };
  }
  return best;
}

export interface Block { vars: tf.Variable[]; loss: () => tf.Scalar; flops: number }

/** One pre-LN transformer block written like agents/model/model.ts, with a regression loss. */
export function transformerBlock(rng: Rng, B: number, T: number, d: number, ff: number, H: number): Block {
  const dh = d / H;
  const v = (shape: number[], std = 0.02) => tf.variable(randn(rng, shape, std));
  const ones = (n: number) => tf.variable(tf.ones([n])), zeros = (n: number) => tf.variable(tf.zeros([n]));
  const p = {
    ln1g: ones(d), ln1b: zeros(d), qkvW: v([d, 3 * d]), qkvB: zeros(3 * d), outW: v([d, d]), outB: zeros(d),
    ln2g: ones(d), ln2b: zeros(d), ff1W: v([d, ff]), ff1B: zeros(ff), ff2W: v([ff, d]), ff2B: zeros(d),
  };
  const x = randn(rng, [B, T, d], 1), target = randn(rng, [B, T, d], 1);
  const maskVals = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskVals[b * T * T + i * T + j] = -1e9;
  const mask = tf.tensor4d(maskVals, [B, 1, T, T]);
  const ln = (h: tf.Tensor, g: tf.Tensor, bb: tf.Tensor) => {
    const { mean, variance } = tf.moments(h, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), bb);
  };
  const linear = (h: tf.Tensor2D, w: tf.Tensor, bb: tf.Tensor) => tf.add(tf.matMul(h, w as tf.Tensor2D), bb) as tf.Tensor2D;
  const gelu = (h: tf.Tensor) => tf.mul(h, tf.sigmoid(tf.mul(h, 1.702)));
  const loss = () => tf.tidy(() => {
    const a = ln(x, p.ln1g, p.ln1b).reshape([B * T, d]) as tf.Tensor2D;
    const qkv = linear(a, p.qkvW, p.qkvB).reshape([B, T, 3 * H, dh]).transpose([0, 2, 1, 3]);
    const [q0, k, vv] = tf.split(qkv, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const q = tf.mul(q0, 1 / Math.sqrt(dh));
    const att = tf.softmax(tf.add(tf.matMul(q, k, false, true), mask));
    const mixed = tf.matMul(att, vv).transpose([0, 2, 1, 3]).reshape([B * T, d]) as tf.Tensor2D;
    let h = tf.add(x, linear(mixed, p.outW, p.outB).reshape([B, T, d]));
    const m = ln(h, p.ln2g, p.ln2b).reshape([B * T, d]) as tf.Tensor2D;
    h = tf.add(h, linear(gelu(linear(m, p.ff1W, p.ff1B)) as tf.Tensor2D, p.ff2W, p.ff2B).reshape([B, T, d]));
    return tf.mean(tf.squaredDifference(h, target)) as tf.Scalar;
  });
  // Forward multiply-adds x2, training = 3x forward (activation and weight gradients).
  const perToken = 2 * d * 3 * d + 2 * d * d + 2 * 2 * d * ff + 2 * 2 * T * d;
  return { vars: Object.values(p), loss, flops: 3 * perToken * B * T };
}

export function trainStep(block: Block, opt: tf.Optimizer): void {
  const { value, grads } = tf.variableGrads(block.loss, block.vars);
  opt.applyGradients(grads);
  value.dispose();
  tf.dispose(Object.values(grads));
}

/** Per-kernel pure JS vs native (1 thread) at the shapes of the transformer-block step. */
export function perKernel(rng: Rng): void {
  const t = (shape: number[], lo = -1, hi = 1) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.uniform(lo, hi);
    return tf.tensor(v, shape);
  };
  const big = t([3072, 512]), bias = t([512]), att = t([32, 4, 96, 96]), mask = t([32, 1, 96, 96]);
  const h = t([32, 96, 128]), h2 = t([32, 96, 128]), col = t([32, 96, 1], 0.5, 2), heads = t([32, 96, 12, 32]), pos = t([3072, 512], 0.1, 2);
  const qkv = t([32, 12, 96, 32]), parts = [t([32, 4, 96, 32]), t([32, 4, 96, 32]), t([32, 4, 96, 32])];
  const w = t([128, 512]), table = t([1000, 128]), idx = tf.tensor1d(Array.from({ length: 3072 }, (_, i) => (i * 7919) % 1000), 'int32');
  const cases: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ['Add [3072,512]+[512]', () => tf.add(big, bias)],
    ['Add [32,4,96,96]+[32,1,96,96]', () => tf.add(att, mask)],
    ['Multiply [3072,512]x[3072,512]', () => tf.mul(big, pos)],
    ['Sub [32,96,128]-[32,96,1]', () => tf.sub(h, col)],
    ['RealDiv [3072,512]/[3072,512]', () => tf.div(big, pos)],
    ['SquaredDifference [32,96,128]', () => tf.squaredDifference(h, h2)],
    ['Exp [3072,512]', () => tf.exp(big)],
    ['Sigmoid [3072,512]', () => tf.sigmoid(big)],
    ['Rsqrt [3072,512]', () => tf.rsqrt(pos)],
    ['Tanh [3072,512]', () => tf.tanh(big)],
    ['Neg [3072,512]', () => tf.neg(big)],
    ['Sqrt [3072,512]', () => tf.sqrt(pos)],
    ['Square [3072,512]', () => tf.square(big)],
    ['Relu [3072,512]', () => tf.relu(big)],
    ['Abs [3072,512]', () => tf.abs(big)],
    ['Reciprocal [3072,512]', () => tf.reciprocal(pos)],
    ['Maximum [3072,512]', () => tf.maximum(big, pos)],
    ['Minimum [3072,512]', () => tf.minimum(big, pos)],
    ['Min [32,4,96,96] axis -1', () => tf.min(att, -1)],
    ['Slice [32,12,96,32] -> [32,4,96,32]', () => tf.slice(qkv, [0, 4, 0, 0], [32, 4, 96, 32])],
    ['_FusedMatMul [3072,128]x[128,512]+bias, relu', () => tf.fused.matMul({ a: h.reshape([3072, 128]), b: w, bias, activation: 'relu' })],
    ['Log [3072,512]', () => tf.log(pos)],
    ['Softmax [32,4,96,96]', () => tf.softmax(att)],
    ['Sum [3072,512] axis 0', () => tf.sum(big, 0)],
    ['Sum [3072,512] axis 1', () => tf.sum(big, 1)],
    ['Mean [32,96,128] axis -1', () => tf.mean(h, -1, true)],
    ['Max [32,4,96,96] axis -1', () => tf.max(att, -1)],
    ['Transpose [32,96,12,32] (0,2,1,3)', () => tf.transpose(heads, [0, 2, 1, 3])],
    ['SplitV [32,12,96,32] in 3 on axis 1', () => tf.split(qkv, 3, 1)],
    ['Concat 3x[32,4,96,32] on axis 1', () => tf.concat(parts, 1)],
    ['GatherV2 [1000,128] x 3072 rows', () => tf.gather(table, idx)],
  ];
  for (const [label, fn] of cases) {
    const ms: number[] = [];
    for (const mode of ['js', 'native'] as Mode[]) {
      setMode(mode, 1);
      const once = () => { tf.dispose(fn()); };
      // Enough repetitions for ~20 ms of native work; one or two for JS.
      const reps = mode === 'js' ? (label.startsWith('_Fused') ? 1 : 2) : 20;
      ms.push(timeBoth(() => { for (let i = 0; i < reps; i++) once(); }, 3).thread / reps * 1000);
    }
    report(`${label}: pure JS ${ms[0]!.toFixed(2)} ms, native ${ms[1]!.toFixed(3)} ms`, ms[0]! / ms[1]!, 'x');
  }
  // Adam over the block's 0.2 M parameters (12 variables).
  const vars = [[128, 384], [384], [128, 128], [128], [128, 512], [512], [512, 128], [128], [128], [128], [128], [128]].map((s) => tf.variable(t(s)));
  const grads = vars.map((v) => t(v.shape));
  const named = vars.map((v, i) => ({ name: v.name, tensor: grads[i]! }));
  const adamMs: number[] = [];
  for (const mode of ['js', 'native'] as Mode[]) {
    setMode(mode, 1);
    const opt = mode === 'js' ? tf.train.adam(1e-3) : new NativeAdamOptimizer(1e-3);
    adamMs.push(timeBoth(() => opt.applyGradients(named), 10, 2).thread * 1000);
    opt.dispose();
  }
  report(`Adam, 0.2 M params: pure JS ${adamMs[0]!.toFixed(2)} ms, native ${adamMs[1]!.toFixed(2)} ms`, adamMs[0]! / adamMs[1]!, 'x');
  tf.dispose([w, big, bias, att, mask, h, h2, col, heads, pos, qkv, ...parts, table, idx, ...vars, ...grads]);
}

async function modelTokens(mode: Mode): Promise<{ train: number; trainCpu: number; gen1: number; gen16: number; trainTokens: number } | null> {
  let mod: typeof import('../agents/model/index.js');
  try {
    mod = await import('../agents/model/index.js');
  } catch {
    return null;
  }
  const { LmmModel, Tokenizer } = mod;
  setMode(mode);
  const corpus = 'You are playing Sokoban. The board is 6x6. <think>The box is left of the goal, push it right.</think><answer>Right, Up</answer> Countdown: 3 4 7 -> 3+4=7';
  const tok = Tokenizer.build([corpus]);
  const model = LmmModel.create({ preset: 'small', tokenizer: tok, seed: 1 });
  const opt = mode === 'js' ? tf.train.adam(1e-3) : new NativeAdamOptimizer(1e-3);
  const B = 16;
  const examples = Array.from({ length: B }, (_, i) => ({
    input: { prompt: `${corpus} step ${i}` },
    response: '<think>push the box right then up to the goal</think><answer>Right, Up</answer>',
  }));
  // Prompt + response tokens per step (the sequences also hold a few special tokens).
  const trainTokens = examples.reduce((n, e) => n + model.encodePrompt(e.input).length + tok.encode(e.response).length, 0);
  const step = () => { model.trainStep(() => model.nll(examples), opt); };
  const trainT = timeBoth(step, QUICK ? 1 : 2, 1);
  const gen = async (batch: number) => {
    const inputs = Array.from({ length: batch }, (_, i) => ({ prompt: `Sokoban board ${i}: push the box` }));
    await model.generate(inputs, { maxTokens: 4, seed: 1, stop: [] });
    const t0 = performance.now();
    const out = await model.generate(inputs, { maxTokens: 32, seed: 2, stop: [] });
    const n = out.reduce((s, g) => s + g.tokenIds.length, 0);
    return n / ((performance.now() - t0) / 1000);
  };
  const gen1 = await gen(1), gen16 = await gen(16);
  opt.dispose();
  model.dispose();
  return { train: trainTokens / trainT.wall, trainCpu: trainTokens / trainT.thread, gen1, gen16, trainTokens };
}

export async function run(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const avail = nativeAddonAvailable();
  console.log(`machine: ${machine()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work competes for the cores: compare the CPU-time figures)`);
  if (!avail.ok) {
    console.log(`native addon not available: ${avail.reason}`);
    return;
  }
  const reg = tryRegisterNativeKernels();
  const info = nativeKernelInfo()!;
  console.log(`${info.blasConfig.trim()} (core ${info.blasCore}); ${reg.kernels.length} native kernels`);

  // 1. sgemm peak through the addon.
  const peak1 = sgemmPeak(1), peak2 = sgemmPeak(2);
  report(`sgemm peak, 1 thread (n=${peak1.n})`, peak1.gflops, 'GFLOP/s');
  report(`sgemm peak, 2 threads (n=${peak2.n})`, peak2.gflops, 'GFLOP/s');

  // 2. tfjs matMul, pure JS vs native.
  const rng = new Rng(9);
  const shapes: [string, number[], number[], boolean][] = [
    ['[3072,128]x[128,512] (FFN)', [3072, 128], [128, 512], false],
    ['[128,96,32]x[128,96,32]^T (attention)', [128, 96, 32], [128, 96, 32], true],
  ];
  for (const [label, as, bs, tB] of shapes) {
    const a = randn(rng, as, 1), b = randn(rng, bs, 1);
    const M = as[as.length - 2]!, K = as[as.length - 1]!, N = tB ? bs[bs.length - 2]! : bs[bs.length - 1]!;
    const flops = 2 * M * N * K * (as.length === 3 ? as[0]! : 1);
    for (const mode of ['js', 'native'] as Mode[]) {
      setMode(mode, 1);
      // cpu-backend kernels run synchronously: no read-back needed to time them.
      const s = timeBoth(() => tf.tidy(() => { tf.matMul(a, b, false, tB); }), mode === 'js' ? 1 : 10).thread;
      report(`matMul ${label}, ${mode === 'js' ? 'pure JS' : 'native'}, 1 thread (CPU time)`, flops / s / 1e9, 'GFLOP/s');
    }
    tf.dispose([a, b]);
  }

  // 2b. Each overridden kernel alone, pure JS vs native (1 thread, JS-thread CPU), at the
  // block step's shapes: the kernels stay registered only where native wins.
  perKernel(rng);

  // 3. Transformer-block training step.
  const block = transformerBlock(new Rng(3), 32, 96, 128, 512, 4);
  const limit = block.flops / (peak2.gflops * 1e9);
  console.log(`transformer block step: ${(block.flops / 1e9).toFixed(2)} GFLOP; sgemm-bound limit ${(block.flops / peak1.gflops / 1e6).toFixed(0)} ms on 1 thread, ${(limit * 1000).toFixed(0)} ms on 2`);
  const results: Record<string, { wall: number; thread: number }> = {};
  const runs: [string, Mode, number | undefined][] = [
    ['pure JS', 'js', undefined],
    ['native BatchMatMul only', 'native-matmul', 1],
    ['native all, 1 thread, no buffer pool', 'native-nopool', 1],
    ['native all, 1 thread', 'native', 1],
    ['native all, 2 threads', 'native', 2],
  ];
  for (const [label, mode, threads] of runs) {
    setMode(mode, threads);
    const opt = mode === 'js' ? tf.train.adam(1e-3) : new NativeAdamOptimizer(1e-3);
    const r = timeBoth(() => trainStep(block, opt), mode === 'js' ? (QUICK ? 1 : 2) : (QUICK ? 3 : 7));
    opt.dispose();
    results[label] = r;
    report(`block train step, ${label}: wall`, r.wall * 1000, 'ms');
    if (threads !== 2) report(`block train step, ${label}: JS-thread CPU`, r.thread * 1000, 'ms');
  }
  const js = results['pure JS']!, one = results['native all, 1 thread']!, two = results['native all, 2 threads']!;
  report('speed-up native (1 thread) vs pure JS, JS-thread CPU', js.thread / one.thread, 'x');
  report('speed-up native (best) vs pure JS, wall', js.wall / Math.min(one.wall, two.wall), 'x');
  report('native 1 thread CPU / sgemm-bound limit (1 thread)', one.thread / (block.flops / (peak1.gflops * 1e9)), 'x');
  report('native 2 threads wall / sgemm-bound limit', two.wall / limit, 'x');
  report('native 1 thread achieved (per CPU second)', block.flops / one.thread / 1e9, 'GFLOP/s');

  // 4. Where the time goes (exclusive ms per kernel in one step).
  for (const mode of ['native', 'js'] as Mode[]) {
    setMode(mode, 1);
    const opt = mode === 'native' ? new NativeAdamOptimizer(1e-3) : tf.train.adam(1e-3);
    trainStep(block, opt);
    const prof = profileKernels(() => trainStep(block, opt), { clock: 'thread' });
    opt.dispose();
    const top = prof.kernels.slice(0, mode === 'js' ? 8 : 12)
      .map((k) => `${k.kernel} ${k.ms.toFixed(0)}ms/${k.calls}`).join(', ');
    const inKernels = prof.kernels.reduce((s, k) => s + k.ms, 0);
    console.log(`profile ${mode} (1 thread, JS-thread CPU ms): step ${prof.totalMs.toFixed(0)}, in kernels ${inKernels.toFixed(0)}: ${top}`);
  }
  tf.dispose(block.vars);

  // 5. The small model (agents/model): training and generation tokens/s.
  for (const mode of ['js', 'native'] as Mode[]) {
    const r = await modelTokens(mode);
    if (!r) { console.log('agents/model not available; skipping the small-model figures'); break; }
    const label = mode === 'js' ? 'pure JS' : 'native';
    report(`small model training (${r.trainTokens} tokens/step), ${label}`, r.train, 'tokens/s');
    report(`small model training, ${label}, per JS-thread CPU second`, r.trainCpu, 'tokens/s');
    report(`small model generation batch 1, ${label}`, r.gen1, 'tokens/s');
    report(`small model generation batch 16, ${label}`, r.gen16, 'tokens/s');
  }
  tryRegisterNativeKernels();
}

// Allow `tsx bench/native.ts` directly.
if (import.meta.url === `file://${process.argv[1]}`) await run();
