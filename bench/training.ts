// Training benchmarks (issue 8): advantage estimation, one RL rollout batch (groups of G
// plays of Sokoban 6x6/1 box from images, plan mode) and one policy update with the small
// model, then step mode (issue 13: rollouts with the old and the fused generation, one
// update over all turns, peak RSS; round 2: the update on the fused training path against
// the per-op one, and reference scoring on the fused decoder against tfjs). Prints one
// figure per line.
import '../envs/index.js';
import '../agents/index.js';
import { Rng } from '../envs/core/rng.js';
import { initBackend } from '../agents/model/backend.js';
import { LmmModel } from '../agents/model/model.js';
import { modelInput } from '../agents/model/agent.js';
import { Tokenizer } from '../agents/model/tokenizer.js';
import { computeAdvantages } from '../training/rl/advantages.js';
import { policyUpdate, scoreSequences, type TrainSequence } from '../training/rl/update.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { validateTrainConfig } from '../training/pipeline/config.js';
import { configHooks, tokenizerCorpus } from '../training/pipeline/run.js';
import { machine, rate, report } from './util.js';
import { fusedAddon } from '../agents/model/fused.js';
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { TrainEngine } from '../agents/model/model.js';
import { trainOpsAvailable } from '../agents/model/train-ops.js';

export async function run(): Promise<void> {
  console.log(`machine: ${machine()}`);
  const rewards = Array.from({ length: 256 }, (_, i) => (i * 7919) % 3 / 2);
  report('advantages reinforce_baseline, batch 256 (G 8)', rate(() => computeAdvantages(rewards, { estimator: 'reinforce_baseline', groupSize: 8 }), 0.5), 'batches/s');
  report('advantages grpo, batch 256 (G 8)', rate(() => computeAdvantages(rewards, { estimator: 'grpo', groupSize: 8 }), 0.5), 'batches/s');

  const info = await initBackend({ log: () => {} });
  console.log(`backend: ${info.backend}${info.backend === 'cpu' ? ` (native kernels ${info.nativeKernels ? 'on' : 'off'})` : ''}`);
  const cfg = validateTrainConfig({
    name: 'bench', model: { preset: 'small' },
    stages: [{ type: 'mgt', envs: [{ id: 'Sokoban-v0', mode: 'image', style: 'plan' }], groupSize: 8, batch: 4, lr: 1e-4, steps: 1 }],
  }, configHooks);
  const stage = cfg.stages[0]!;
  if (stage.type !== 'mgt') throw new Error('unexpected');
  const tokenizer = Tokenizer.build(await tokenizerCorpus(cfg));
  const model = LmmModel.create({ preset: 'small', tokenizer, seed: 0 });
  const rng = new Rng(1);
  const roll = () => collectRollouts({
    model, promptOf: modelInput, envs: stage.envs, groups: 4, groupSize: 8, sampling: { temperature: 1, topP: 1, maxTokens: 64 },
    rewardWeights: stage.rewards, rng, seedLimit: 1e9,
  });
  await roll(); // warm-up
  const batch = await roll();
  report('rollout: 32 episodes (4 groups x 8), image plan mode', batch.episodes.length / batch.seconds, 'episodes/s');
  report('rollout: generated tokens (batch 32, max 64)', batch.generatedTokens / batch.seconds, 'tokens/s');
  const adv = computeAdvantages(batch.episodes.map((e) => e.reward), { estimator: 'reinforce_baseline', groupSize: 8 });
  const seqs: TrainSequence[] = batch.episodes.flatMap((e, k) => e.samples.map((s) => ({ input: s.input, tokenIds: s.tokenIds, oldLogp: s.logProbs, advantage: adv[k]! || 0.1 })));
  const optimizer = tf.train.adam(1e-4);
  const settings = { clip: 0.2, clipHigh: 0.2, klCoef: 0, klEstimator: 'k3' as const, aggregation: 'token' as const, ppoEpochs: 1, miniBatch: 0, maxGradNorm: 1, entropyCoef: 0, temperature: 1 };
  policyUpdate(model, optimizer, seqs, settings); // warm-up
  const t0 = performance.now();
  const u = policyUpdate(model, optimizer, seqs, settings);
  const s = (performance.now() - t0) / 1000;
  report('policy update: 32 responses, one optimizer step', 1 / s, 'updates/s');
  report('policy update: response tokens trained', u.tokens / s, 'tokens/s');
  await stepMode(model, optimizer, settings);
  optimizer.dispose();
  model.dispose();
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/**
 * Step mode (issue 13): G 8 x 4 start states, 20 turns (invalid answers are no-ops, so a
 * fresh model plays all 20), one response per turn: rollouts with the old per-op
 * generation ('tfjs') and the fused decoder, then one policy update over every response
 * (miniBatch auto), with the process's peak RSS.
 */
async function stepMode(model: LmmModel, optimizer: tf.Optimizer, settings: Parameters<typeof policyUpdate>[3]): Promise<void> {
  const cfg = validateTrainConfig({
    name: 'bench-step', model: { preset: 'small' },
    stages: [{ type: 'mgt', envs: [{ id: 'Sokoban-v0', mode: 'image', style: 'step', maxTurns: 20, invalidAnswer: 'noop' }], groupSize: 8, batch: 4, lr: 1e-4, steps: 1 }],
  }, configHooks);
  const stage = cfg.stages[0]!;
  if (stage.type !== 'fre' && stage.type !== 'mgt') throw new Error('unexpected');
  const saved = process.env.LMM_GYM_GENERATE;
  let batch: Awaited<ReturnType<typeof collectRollouts>> | null = null;
  for (const engine of ['tfjs', fusedAddon() ? 'native' : 'js']) {
    process.env.LMM_GYM_GENERATE = engine;
    const c0 = process.cpuUsage();
    const b = await collectRollouts({
      model, promptOf: modelInput, envs: stage.envs, groups: 4, groupSize: 8, sampling: { temperature: 1, topP: 1, maxTokens: 64 },
      rewardWeights: stage.rewards, rng: new Rng(2), seedLimit: 1e9,
    });
    const cu = process.cpuUsage(c0), cpu = (cu.user + cu.system) / 1e6;
    const turns = b.episodes.reduce((a, e) => a + e.samples.length, 0);
    report(`step-mode rollout (${engine}): 32 episodes, ${turns} turns`, b.seconds, `s (${cpu.toFixed(1)} CPU-s, ${(b.generatedTokens / b.seconds).toFixed(0)} tokens/s)`);
    batch = b;
  }
  if (saved === undefined) delete process.env.LMM_GYM_GENERATE; else process.env.LMM_GYM_GENERATE = saved;
  const adv = computeAdvantages(batch!.episodes.map((e) => e.reward), { estimator: 'reinforce_baseline', groupSize: 8 });
  const seqs: TrainSequence[] = batch!.episodes.flatMap((e, k) => e.samples.map((s) => ({ input: s.input, tokenIds: s.tokenIds, oldLogp: s.logProbs, advantage: adv[k]! || 0.1 })));
  // The update on the fused training path (packed rows, native ops: the default with the
  // addon) first, so the process's peak RSS after it is its own; then the per-op tfjs path
  // (the old one), whose peak is sampled from a worker thread while it runs.
  const engines: TrainEngine[] = trainOpsAvailable() ? ['fused', 'tfjs'] : ['tfjs'];
  const savedEngine = process.env.LMM_GYM_TRAIN_ENGINE;
  for (const engine of engines) {
    process.env.LMM_GYM_TRAIN_ENGINE = engine;
    const rss0 = peakRssMb(), sampler = rssSampler(), c0 = process.cpuUsage(), t0 = performance.now();
    const u = policyUpdate(model, optimizer, seqs, settings);
    const cu = process.cpuUsage(c0), sec = (performance.now() - t0) / 1000;
    const sampled = await sampler.stop();
    report(`step-mode policy update (${engine}): ${seqs.length} responses, ${u.optimizerSteps} optimizer steps`, sec, `s (${((cu.user + cu.system) / 1e6).toFixed(1)} CPU-s, ${u.tokens} tokens)`);
    report(`  peak RSS of the process before / after (${engine})`, rss0, `MB / ${peakRssMb().toFixed(0)} MB (RSS sampled during the update: max ${sampled.toFixed(0)} MB)`);
  }
  if (savedEngine === undefined) delete process.env.LMM_GYM_TRAIN_ENGINE; else process.env.LMM_GYM_TRAIN_ENGINE = savedEngine;
  // Reference log-probs (the KL term's frozen model, no gradients): the fused generation
  // decoder (the default now), the packed training forward, and the per-op tfjs path (old).
  const scorers: [string, Record<string, string>][] = [
    [fusedAddon() ? 'fused decoder, native' : 'fused decoder, js', { LMM_GYM_SCORE: fusedAddon() ? 'native' : 'js' }],
    ...(trainOpsAvailable() ? [['packed training forward', { LMM_GYM_SCORE: 'tfjs', LMM_GYM_TRAIN_ENGINE: 'fused' }] as [string, Record<string, string>]] : []),
    ['per-op tfjs', { LMM_GYM_SCORE: 'tfjs', LMM_GYM_TRAIN_ENGINE: 'tfjs' }],
  ];
  for (const [label, env] of scorers) {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const c0 = process.cpuUsage(), t0 = performance.now();
    await scoreSequences(model, seqs, 1);
    const cu = process.cpuUsage(c0), sec = (performance.now() - t0) / 1000;
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    report(`step-mode reference scoring (${label}): ${seqs.length} responses`, sec, `s (${((cu.user + cu.system) / 1e6).toFixed(1)} CPU-s)`);
  }
}

/** The process's RSS sampled every 20 ms from a worker thread (the main thread is busy in the update). */
function rssSampler(): { stop(): Promise<number> } {
  const w = new Worker(`const { parentPort } = require('node:worker_threads');
let max = 0; const t = setInterval(() => { max = Math.max(max, process.memoryUsage.rss()); }, 20);
parentPort.on('message', () => { clearInterval(t); max = Math.max(max, process.memoryUsage.rss()); parentPort.postMessage(max); });`, { eval: true });
  return {
    stop: () => new Promise<number>((resolve) => {
      w.once('message', (max: number) => { void w.terminate(); resolve(max / 2 ** 20); });
      w.postMessage('stop');
    }),
  };
}
