// Training benchmarks (issue 8): advantage estimation, one RL rollout batch (groups of G
// plays of Sokoban 6x6/1 box from images, plan mode) and one policy update with the small
// model, and an SFT step for comparison. Prints one figure per line.
import '../envs/index.js';
import '../agents/index.js';
import { Rng } from '../envs/core/rng.js';
import { initBackend } from '../agents/model/backend.js';
import { LmmModel } from '../agents/model/model.js';
import { modelInput } from '../agents/model/agent.js';
import { Tokenizer } from '../agents/model/tokenizer.js';
import { computeAdvantages } from '../training/rl/advantages.js';
import { policyUpdate, type TrainSequence } from '../training/rl/update.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { validateTrainConfig } from '../training/pipeline/config.js';
import { configHooks, tokenizerCorpus } from '../training/pipeline/run.js';
import { machine, rate, report } from './util.js';
import * as tf from '@tensorflow/tfjs';

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
  optimizer.dispose();
  model.dispose();
}
