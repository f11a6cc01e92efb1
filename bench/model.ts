// Model benchmarks (issue 7): forward, generation (batch 1 and 32) and training tokens/s of
// the tiny and small configs on the backend initBackend() picks, with FLOPs per token and
// the GFLOP/s reached, a plain matMul on the same backend for the ceiling, and where the
// time of a small training step goes (tf.profile, grouped by kernel). Each figure is also
// given per CPU-second of this process, which stays meaningful on a shared, loaded machine.
// `LMM_GYM_NATIVE=0 npm run bench -- model` measures the pure-JS kernels.
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { forwardFlopsPerToken, initBackend, LmmModel, Tokenizer } from '../agents/model/index.js';
import type { ModelPreset, ScoredExample } from '../agents/model/index.js';
import { machine, report } from './util.js';

const CORPUS = [
  'Countdown-v0\nUse the numbers 7, 40, 44, 2 to reach 86. Give your answer.',
  '<think>Numbers 7, 40, 44, 2, target 86. 40 + 44 = 84. 2 + 84 = 86.</think><answer>2 + (40 + 44)</answer>',
  'Sokoban-v0\nTurn 1.\nThe current state is shown in the image.\nGive your next action.',
];

interface Timing { wall: number; cpu: number }

/** Wall and process-CPU seconds per call of `fn`, from `reps` timed calls after one warm-up. */
async function timeIt(fn: () => Promise<void> | void, reps: number): Promise<Timing> {
  await fn();
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) await fn();
  const cu = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000 / reps, cpu: (cu.user + cu.system) / 1e6 / reps };
}

function reportRate(label: string, work: number, t: Timing, unit: string): number {
  report(label, work / t.wall, unit);
  report(`  ${label.split(':')[0]}: same, per CPU-second of this process`, work / t.cpu, unit);
  return work / t.wall;
}

function examples(model: LmmModel, batch: number, promptTokens: number, responseTokens: number): ScoredExample[] {
  const t = model.tokenizer;
  const words = t.encode(CORPUS.join(' '));
  const take = (n: number, shift: number) => Array.from({ length: n }, (_, i) => words[(i + shift) % words.length]!);
  return Array.from({ length: batch }, (_, b) => ({ input: { prompt: t.decode(take(promptTokens, b)) }, response: take(responseTokens, b + 7) }));
}

async function benchPreset(preset: ModelPreset, tokenizer: Tokenizer, slow: boolean): Promise<void> {
  const model = LmmModel.create({ preset, tokenizer, seed: 0 });
  const big = preset === 'small';
  const P = big ? 96 : 48, R = big ? 64 : 32, L = P + R + 1; // <bos> prompt <resp> response-minus-last
  const fwdFlops = forwardFlopsPerToken(model.config, L / 2);
  const reps = big ? (slow ? 1 : 3) : 4;
  report(`${preset}: parameters`, model.parameterCount, '');
  report(`${preset}: forward FLOPs per token (context ${Math.round(L / 2)})`, fwdFlops / 1e6, 'MFLOP');

  const batch = big && slow ? 8 : 16;
  const ex = examples(model, batch, P, R);
  const fwd = reportRate(`${preset}: forward, batch ${batch} x ${L} tokens`, batch * L, await timeIt(() => { tf.tidy(() => model.responseLogits(ex)).dispose(); }, reps), 'tokens/s');
  report(`${preset}: forward GFLOP/s`, (fwd * fwdFlops) / 1e9, 'GFLOP/s');

  const opt = tf.train.adam(1e-4);
  const step = () => { model.trainStep(() => model.nll(ex), opt); };
  const train = reportRate(`${preset}: training, batch ${batch} x ${L} tokens`, batch * L, await timeIt(step, reps), 'tokens/s');
  report(`${preset}: training GFLOP/s (3x forward FLOPs)`, (train * 3 * fwdFlops) / 1e9, 'GFLOP/s');

  for (const B of [1, 32]) {
    const prompts = examples(model, B, P, 0).map((e) => e.input);
    const gen = big && slow ? 16 : 32;
    let tokens = 0;
    const t = await timeIt(async () => {
      const out = await model.generate(prompts, { maxTokens: gen, temperature: 1, seed: 1, stop: [] });
      tokens = out.reduce((a, g) => a + g.tokenIds.length, 0);
    }, 1);
    reportRate(`${preset}: generation, batch ${B}, ${P}-token prompts, ${gen} new`, tokens, t, 'tokens/s');
  }

  if (big) {
    const prof = await tf.profile(step);
    const by = new Map<string, number>();
    for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    console.log(`small training step by kernel (tf.profile, ${total.toFixed(0)} ms of kernel time):`);
    for (const [name, ms] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      console.log(`  ${name.padEnd(24)} ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%`);
    }
  }
  opt.dispose();
  model.dispose();
}

export async function run(): Promise<void> {
  const info = await initBackend({ log: () => {} });
  console.log(`machine: ${machine()}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; tfjs backend ${info.backend}${info.backend === 'cpu' ? `, native kernels ${info.nativeKernels ? 'on' : 'off'}` : ''}`);
  const a = tf.randomNormal([256, 256]), b = tf.randomNormal([256, 256]);
  const mm = await timeIt(() => { tf.matMul(a, b).dataSync(); }, 4);
  reportRate('matMul 256x256x256 on this backend (ceiling)', (2 * 256 ** 3) / 1e9, mm, 'GFLOP/s');
  tf.dispose([a, b]);
  const slow = info.backend === 'cpu' && !info.nativeKernels;
  const tokenizer = Tokenizer.build(CORPUS);
  for (const preset of ['tiny', 'small'] as const) await benchPreset(preset, tokenizer, slow);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
