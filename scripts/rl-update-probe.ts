// Probe one RL update in isolation: does it move the policy the way the advantages say?
// lrs=a,b,c runs the update once per lr from the same start and rollouts; opt=sgd for plain SGD.
// Collects one rollout batch (as an mgt stage does), checks that the log-probs recorded at
// sampling match a fresh scoring (ratio 1 at the start), runs policyUpdate, re-scores the
// same responses and reports the mean change of each response's log-prob by advantage sign
// and its correlation with the advantage. A correct update raises A > 0 and lowers A < 0.
//   npx tsx scripts/rl-update-probe.ts CHECKPOINT [lrs=2e-5,...] [opt=adam|sgd] [miniBatch=0]
//     [groups=8] [G=8] [T=0.5] [credit=turn|episode] [reward=progress|gym] [weights=win]
//     [estimator=reinforce_baseline|reinforce] [only=pos] [seed=1]
// only=pos trains on the positive-advantage responses alone (with weights=win and
// estimator=reinforce: SFT on the won episodes' turns).
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadModel, modelInput, createAdam } from '../agents/model/index.js';
import { Rng } from '../envs/core/rng.js';
import '../envs/index.js';
import '../tasks/index.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { episodeTurnAdvantages } from '../training/rl/turn-credit.js';
import { computeAdvantages } from '../training/rl/advantages.js';
import { policyUpdate, scoreSequences, type TrainSequence } from '../training/rl/update.js';
import type { StageEnvSpec } from '../training/pipeline/config.js';

const [dir, ...rest] = process.argv.slice(2);
if (!dir) throw new Error('usage: rl-update-probe.ts CHECKPOINT [key=value ...]');
const arg = Object.fromEntries(rest.map((a) => a.split('=') as [string, string]));
const lr = Number(arg.lr ?? 2e-5), miniBatch = Number(arg.miniBatch ?? 0), groups = Number(arg.groups ?? 8), G = Number(arg.G ?? 8);
const credit = arg.credit === 'episode' ? { mode: 'episode' as const } : { mode: 'turn' as const, gamma: 0.5, baseline: 'position' as const, format: 'share' as const };
const weights = arg.weights === 'win' ? { accuracy: 1, format: 0, env: 0, penalty: 0 } : { accuracy: 1, format: 0.5, env: arg.reward === 'gym' ? 0 : 1, penalty: 1 };
const estimator = (arg.estimator ?? 'reinforce_baseline') as 'reinforce' | 'reinforce_baseline';
const T = Number(arg.T ?? 0.5);
await initBackend({ log: () => {} });
const model = await loadModel(dir, { trainable: true });
const env: StageEnvSpec = { id: 'Sokoban-v0', options: { reward: arg.reward ?? 'progress' }, mode: 'image', style: 'step', maxTurns: 30, historyLength: 0, weight: 1 };
const rng = new Rng(Number(arg.seed ?? 1));
const t0 = performance.now();
const batch = await collectRollouts({ model, promptOf: modelInput, envs: [env], groups, groupSize: G, sampling: { temperature: T, topP: 1, maxTokens: 128 }, rewardWeights: weights, rng, seedLimit: 1e9 });
const rewards = batch.episodes.map((e) => e.reward);
const adv = credit.mode === 'episode' ? computeAdvantages(rewards, { estimator, groupSize: G }) : null;
const turnAdv = episodeTurnAdvantages(batch.episodes.map((e) => e.result), adv, credit, { estimator, groupSize: G, weights }).advantages;
const seqs: TrainSequence[] = [];
batch.episodes.forEach((e, k) => e.samples.forEach((s, t) => seqs.push({ input: s.input, tokenIds: s.tokenIds, oldLogp: s.logProbs, advantage: turnAdv[k]![t]!, weight: 1 / e.samples.length })));
console.log(`rollouts: ${batch.episodes.length} episodes, ${seqs.length} responses, success ${(batch.episodes.filter((e) => e.components.accuracy).length / batch.episodes.length).toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const lp0 = await scoreSequences(model, seqs, T);
let dev = 0, devMax = 0, n = 0;
seqs.forEach((q, i) => q.oldLogp.forEach((o, j) => { const d = Math.abs(o - lp0[i]![j]!); dev += d; devMax = Math.max(devMax, d); n++; }));
console.log(`sampling vs scoring log-probs: mean |diff| ${(dev / n).toExponential(2)}, max ${devMax.toExponential(2)} over ${n} tokens`);
for (const lrNow of String(arg.lrs ?? lr).split(',').map(Number)) {
const m = await loadModel(dir, { trainable: true });
const optimizer = arg.opt === 'sgd' ? tf.train.sgd(lrNow) : await createAdam(lrNow);
const trainOn = arg.only === 'pos' ? seqs.filter((q) => q.advantage > 0) : seqs;
const u = policyUpdate(m, optimizer, trainOn, { clip: 0.2, clipHigh: 0.28, klCoef: 0, klEstimator: 'k3', aggregation: 'episode', ppoEpochs: 1, miniBatch, maxGradNorm: 1, entropyCoef: 0, temperature: T });
console.log(`lr ${lrNow} ${arg.opt ?? 'adam'}: ${u.optimizerSteps} steps, grad norm max ${u.gradNorm.toFixed(2)}, approxKlOld ${u.approxKlOld.toFixed(4)}, clip ${u.clipFraction.toFixed(4)}`);
const lp1 = await scoreSequences(m, seqs, T);
const delta = seqs.map((_, i) => sum(lp1[i]!) - sum(lp0[i]!));
const by = (f: (a: number) => boolean) => { const ix = seqs.map((q, i) => (f(q.advantage) ? i : -1)).filter((i) => i >= 0); return { n: ix.length, mean: ix.length ? sum(ix.map((i) => delta[i]!)) / ix.length : 0 }; };
const pos = by((a) => a > 1e-9), neg = by((a) => a < -1e-9), zero = by((a) => Math.abs(a) <= 1e-9);
const A = seqs.map((q) => q.advantage), mA = sum(A) / A.length, mD = sum(delta) / delta.length;
const cov = sum(A.map((a, i) => (a - mA) * (delta[i]! - mD))), corr = cov / Math.sqrt(sum(A.map((a) => (a - mA) ** 2)) * sum(delta.map((d) => (d - mD) ** 2)));
console.log(`delta log-prob per response: A>0 ${pos.mean.toFixed(4)} (n ${pos.n}), A<0 ${neg.mean.toFixed(4)} (n ${neg.n}), A=0 ${zero.mean.toFixed(4)} (n ${zero.n}); corr(A, delta) ${corr.toFixed(3)}`);
m.dispose();
}
