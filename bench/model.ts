// Model benchmarks (issue 7): forward, generation (batch 1 and 32) and training tokens/s of
// the tiny and small configs on the backend initBackend() picks, with FLOPs per token and
// the GFLOP/s reached, a plain matMul on the same backend for the ceiling, and where the
// time of a small training step goes (tf.profile, grouped by kernel).
import * as tf from '@tensorflow/tfjs';
import { forwardFlopsPerToken, initBackend, LmmModel, Tokenizer } from '../agents/model/index.js';
import type { ModelPreset, ScoredExample } from '../agents/model/index.js';
import { machine, report } from './util.js';

const CORPUS = [
  'Countdown-v0\nUse the numbers 7, 40, 44, 2 to reach 86. Give your answer.',
  '<think>Numbers 7, 40, 44, 2, target 86. 40 + 44 = 84. 2 + 84 = 86.</think><answer>2 + (40 + 44)</answer>',
  'Sokoban-v0\nTurn 1.\nThe current state is shown in the image.\nGive your next action.',
];

/** Seconds per call of `fn`, from `reps` timed calls after one warm-up. */
async function timeIt(fn: () => Promise<void> | void, reps: number): Promise<number> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / 1000 / reps;
}

function examples(model: LmmModel, batch: number, promptTokens: number, responseTokens: number): ScoredExample[] {
  const t = model.tokenizer;
  const words = t.encode(CORPUS.join(' ')).slice(0);
  const take = (n: number, shift: number) => Array.from({ length: n }, (_, i) => words[(i + shift) % words.length]!);
  return Array.from({ length: batch }, (_, b) => ({
    input: { prompt: t.decode(take(promptTokens, b)) },
    response: take(responseTokens, b + 7),
  }));
}

async function benchPreset(preset: ModelPreset, tokenizer: Tokenizer): Promise<void> {
  const model = LmmModel.create({ preset, tokenizer, seed: 0 });
  const c = model.config;
  const big = preset === 'small';
  const P = big ? 96 : 48, R = big ? 64 : 32;
  const L = P + R + 1; // <bos> prompt <resp> response-minus-last
  const fwdFlops = forwardFlopsPerToken(c, L / 2);
  report(`${preset}: parameters`, model.parameterCount, '');
  report(`${preset}: forward FLOPs per token (context ${Math.round(L / 2)})`, fwdFlops / 1e6, 'MFLOP');

  const batch = big ? 16 : 16;
  const ex = examples(model, batch, P, R);
  const fwd = await timeIt(() => { tf.tidy(() => model.responseLogits(ex)).dispose(); }, big ? 2 : 5);
  const fwdTok = (batch * L) / fwd;
  report(`${preset}: forward, batch ${batch} x ${L} tokens`, fwdTok, 'tokens/s');
  report(`${preset}: forward GFLOP/s`, (fwdTok * fwdFlops) / 1e9, 'GFLOP/s');

  const opt = tf.train.adam(1e-4);
  const train = await timeIt(() => { model.trainStep(() => model.nll(ex), opt); }, big ? 2 : 5);
  const trainTok = (batch * L) / train;
  report(`${preset}: training step, batch ${batch} x ${L} tokens`, train * 1000, 'ms/step');
  report(`${preset}: training`, trainTok, 'tokens/s');
  report(`${preset}: training GFLOP/s (3x forward FLOPs)`, (trainTok * 3 * fwdFlops) / 1e9, 'GFLOP/s');

  for (const B of [1, 32]) {
    const prompts = examples(model, B, P, 0).map((e) => e.input);
    const gen = 32;
    let tokens = 0;
    const secs = await timeIt(async () => {
      const out = await model.generate(prompts, { maxTokens: gen, temperature: 1, seed: 1, stop: [] });
      tokens = out.reduce((a, g) => a + g.tokenIds.length, 0);
    }, big && B === 32 ? 1 : 2);
    report(`${preset}: generation, batch ${B}, ${P}-token prompts, ${gen} new`, tokens / secs, 'tokens/s');
  }

  if (big) {
    const prof = await tf.profile(() => { model.trainStep(() => model.nll(ex), opt); });
    const by = new Map<string, number>();
    for (const k of prof.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    const top = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(`small training step by kernel (tf.profile, ${total.toFixed(0)} ms of kernel time):`);
    for (const [name, ms] of top) console.log(`  ${name.padEnd(24)} ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%`);
  }
  opt.dispose();
  model.dispose();
}

export async function run(): Promise<void> {
  const info = await initBackend({ log: () => {} });
  console.log(`machine: ${machine()}; tfjs backend ${info.backend}${info.backend === 'cpu' ? `, native kernels ${info.nativeKernels ? 'on' : 'off'}` : ''}`);
  const a = tf.randomNormal([512, 512]), b = tf.randomNormal([512, 512]);
  const mm = await timeIt(() => { tf.matMul(a, b).dataSync(); }, 4);
  report('matMul 512x512x512 on this backend (ceiling)', (2 * 512 ** 3) / mm / 1e9, 'GFLOP/s');
  tf.dispose([a, b]);
  const tokenizer = Tokenizer.build(CORPUS);
  for (const preset of ['tiny', 'small'] as const) await benchPreset(preset, tokenizer);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
