// Model benchmarks (issue 7): forward, generation (issue 13: batch 1 to 64, the old per-op
// path against the fused decoder) and training tokens/s of the tiny and small configs on
// the backend initBackend() picks, with FLOPs per token and
// the GFLOP/s reached, a plain matMul on the same backend for the ceiling, and where the
// time of a small training step goes (tf.profile, grouped by kernel). Each figure is also
// given per CPU-second of this process, which stays meaningful on a shared, loaded machine.
// `LMM_GYM_NATIVE=0 npm run bench -- model` measures the pure-JS kernels;
// BENCH_MODEL_GENERATE=0 leaves out the generation lines (a shorter run).
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { forwardFlopsPerToken, initBackend, LmmModel, Tokenizer } from '../agents/model/index.js';
import type { ModelInput, ModelPreset, ScoredExample } from '../agents/model/index.js';
import type { GenerationEngine, TrainEngine } from '../agents/model/model.js';
import { trainOpsAvailable } from '../agents/model/train-ops.js';
import { fusedAddon } from '../agents/model/fused.js';
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
  const fwd = reportRate(`${preset}: forward, batch ${batch} x ${L} tokens`, batch * L, await timeIt(async () => { const t = tf.tidy(() => tf.sum(model.responseLogits(ex))); await t.data(); t.dispose(); }, reps), 'tokens/s');
  report(`${preset}: forward GFLOP/s`, (fwd * fwdFlops) / 1e9, 'GFLOP/s');

  // Training (SFT: nll + backward + Adam) on the per-op tfjs path and on the fused one
  // (issue 13 round 2: packed rows, native training ops), interleaved.
  const opt = tf.train.adam(1e-4);
  const engines: TrainEngine[] = trainOpsAvailable() && tf.getBackend() === 'cpu' ? ['tfjs', 'fused'] : ['tfjs'];
  // trainStepAsync: the one read a GPU backend (webgpu) has; on cpu it costs the same.
  const step = (engine: TrainEngine) => () => model.trainStepAsync(() => model.nll(ex, { engine }), opt);
  const times = new Map<TrainEngine, Timing>();
  for (const e of engines) await step(e)(); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const e of engines) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      await step(e)();
      const cu = process.cpuUsage(c0), t = { wall: (performance.now() - t0) / 1000, cpu: (cu.user + cu.system) / 1e6 };
      const s = times.get(e);
      times.set(e, s ? { wall: s.wall + t.wall, cpu: s.cpu + t.cpu } : t);
    }
  }
  for (const e of engines) {
    const t = times.get(e)!, avg = { wall: t.wall / reps, cpu: t.cpu / reps };
    const train = reportRate(`${preset}: training (${e}), batch ${batch} x ${L} tokens`, batch * L, avg, 'tokens/s');
    report(`${preset}: training (${e}) GFLOP/s (3x forward FLOPs)`, (train * 3 * fwdFlops) / 1e9, 'GFLOP/s');
  }

  if (process.env.BENCH_MODEL_GENERATE !== '0') await benchGeneration(model, P, slow);

  if (big) {
    const last = step(engines[engines.length - 1]!);
    const t0 = performance.now();
    const prof = await tf.profile(async () => { await last(); return []; });
    const wall = performance.now() - t0;
    const by = new Map<string, number>();
    let untimed = 0; // a GPU backend without timestamp queries reports no kernel times
    // Op scopes ('fusedMatMul__op') hold kernels listed on their own; a customGrad op (the
    // fused training ops) is an 'unnamed scope' that runs the native code itself.
    for (const k of prof.kernels) {
      if (k.name.endsWith('__op')) continue;
      const name = k.name === 'unnamed scope' ? 'fused training ops' : k.name;
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN;
      if (!Number.isFinite(ms)) { untimed++; continue; }
      by.set(name, (by.get(name) ?? 0) + ms);
    }
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    console.log(`small training step by kernel (tf.profile, ${prof.kernels.length} kernels, ${total.toFixed(0)} ms of kernel time in ${wall.toFixed(0)} ms of wall time${untimed ? `, ${untimed} kernels without a time` : ''}):`);
    for (const [name, ms] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      if (total > 0) console.log(`  ${name.padEnd(24)} ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%`);
    }
    if (total === 0) console.log('  (this backend reports no kernel times: a GPU without timestamp queries)');
  }
  opt.dispose();
  model.dispose();
}

interface GenTiming { wall: number; cpu: number; tokens: number }
interface Engine { label: string; engine: GenerationEngine; threads: number }

/** One timed generate call (wall and process-CPU seconds, tokens generated). */
async function timeGeneration(model: LmmModel, prompts: ModelInput[], engine: Engine, maxTokens: number): Promise<GenTiming> {
  const t0 = performance.now(), c0 = process.cpuUsage();
  const out = await model.generate(prompts, { maxTokens, temperature: 1, seed: 1, stop: [], engine: engine.engine, threads: engine.threads });
  const cu = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cu.user + cu.system) / 1e6, tokens: out.reduce((a, g) => a + g.tokenIds.length, 0) };
}

/**
 * Generation tokens/s (issue 13) of the per-op tfjs path ('tfjs', the old one) and the
 * fused decoder ('native', or 'js' without the addon), measured interleaved in the same
 * run: end to end (prefill of the P-token prompts + 32 new tokens, distinct prompts), and
 * the decode alone (the difference between 33 and 1 new tokens), whose FLOP rate compares
 * with the matMul ceiling above. For batch >= 8 also the batch as B/8 prompts x 8 samples
 * (GRPO groups: the fused engine prefills each distinct prompt once). From batch 32 the
 * native engine also runs with 2 threads ('native2': rows split over the pool); on a
 * loaded machine that is slower in wall time, hence not the default.
 */
export async function benchGeneration(model: LmmModel, P: number, slow: boolean): Promise<void> {
  const preset = model.config.dModel >= 128 ? 'small' : 'tiny';
  const fast: Engine = fusedAddon() ? { label: 'native', engine: 'native', threads: 1 } : { label: 'js', engine: 'js', threads: 1 };
  const two: Engine = { label: 'native2', engine: 'native', threads: 2 };
  const gen = 32, batches = slow ? [1, 8, 32] : [1, 8, 32, 64];
  const flops = forwardFlopsPerToken(model.config, P + gen / 2);
  for (const B of batches) {
    const prompts = examples(model, B, P, 0).map((e) => e.input);
    const groups = B >= 8 ? Array.from({ length: B }, (_, b) => prompts[Math.floor(b / 8)]!) : null;
    const reps = B <= 8 || preset === 'tiny' ? 3 : 1; // short runs: more repetitions against noise
    // The fused decoders read weights on the host synchronously: cpu backend only.
    const onCpu = tf.getBackend() === 'cpu';
    const engines: Engine[] = [{ label: 'tfjs', engine: 'tfjs', threads: 1 }, ...(onCpu ? [fast] : []), ...(onCpu && B >= 32 && fast.engine === 'native' ? [two] : [])];
    const sum = new Map<Engine, { e2e: GenTiming; pre: GenTiming; grp: GenTiming | null }>();
    const add = (a: GenTiming, b: GenTiming): GenTiming => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu, tokens: a.tokens + b.tokens });
    for (const engine of engines) await timeGeneration(model, prompts, engine, 2); // warm-up
    for (let r = 0; r < reps; r++) {
      for (const engine of engines) { // interleaved: both engines see the same machine load
        const pre = await timeGeneration(model, prompts, engine, 1);
        const e2e = await timeGeneration(model, prompts, engine, gen + 1);
        const grp = groups ? await timeGeneration(model, groups, engine, gen + 1) : null;
        const s = sum.get(engine);
        sum.set(engine, s ? { e2e: add(s.e2e, e2e), pre: add(s.pre, pre), grp: grp && s.grp ? add(s.grp, grp) : grp } : { e2e, pre, grp });
      }
    }
    for (const engine of engines) {
      const { e2e, pre, grp } = sum.get(engine)!;
      const dTok = e2e.tokens - pre.tokens, dWall = e2e.wall - pre.wall, dCpu = e2e.cpu - pre.cpu;
      const label = `${preset}: generate ${engine.label.padEnd(7)} batch ${String(B).padStart(2)}`;
      report(`${label}, ${P}-token prompts + ${gen} new`, e2e.tokens / e2e.wall, `tokens/s (${(e2e.tokens / e2e.cpu).toFixed(0)} per CPU-s)`);
      report(`${label}, decode only`, dTok / dWall, `tokens/s (${(dTok / dCpu).toFixed(0)} per CPU-s, ${((dTok / dCpu) * flops / 1e9).toFixed(1)} GFLOP per CPU-s)`);
      if (grp) report(`${label} = ${B / 8} prompts x 8 samples`, grp.tokens / grp.wall, `tokens/s (${(grp.tokens / grp.cpu).toFixed(0)} per CPU-s)`);
    }
  }
}

export async function run(): Promise<void> {
  const info = await initBackend({ log: () => {} });
  console.log(`machine: ${machine()}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; tfjs backend ${info.backend}${info.backend === 'cpu' ? `, native kernels ${info.nativeKernels ? 'on' : 'off'}` : ` (${info.adapter ?? 'no adapter info'})`}`);
  const a = tf.randomNormal([256, 256]), b = tf.randomNormal([256, 256]);
  const mm = await timeIt(async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, 4);
  reportRate('matMul 256x256x256 on this backend (ceiling)', (2 * 256 ** 3) / 1e9, mm, 'GFLOP/s');
  tf.dispose([a, b]);
  const slow = info.backend === 'cpu' && !info.nativeKernels;
  const tokenizer = Tokenizer.build(CORPUS);
  for (const preset of ['tiny', 'small'] as const) await benchPreset(preset, tokenizer, slow);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
