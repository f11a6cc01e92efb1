// Probe one RL update in isolation: does it move the policy the way the advantages say?
// Takes the first RL stage of a training config (default configs/sokoban-rl-progress.json:
// its env, reward weights, sampling, algorithm), collects one rollout batch from
// CHECKPOINT as that stage does, checks that the log-probs recorded at sampling match a
// fresh scoring (ratio 1 at the start), then for each learning rate runs the stage's
// update (rolloutSequences + policyUpdate; the KL reference is CHECKPOINT, as in a stage
// that starts there) from the same start, re-scores every response and reports the mean
// change of its summed log-prob by advantage sign, and the correlation with the
// advantage. A correct update raises A > 0 and lowers A < 0.
//   npx tsx scripts/rl-update-probe.ts CHECKPOINT [config=FILE] [lrs=2e-5,5e-6] [opt=adam|sgd]
//     [miniBatch=N] [groups=N] [T=0.5] [estimator=NAME] [credit=episode] [weights=win]
//     [only=pos] [seed=1] [dump=FILE.json] [negScale=1] [tokens=answer|plan]
// Overrides of the stage: lrs (default the stage's lr), miniBatch, groups (levels per
// batch), T (sampling temperature), estimator, credit=episode, weights=win (the win reward
// alone), opt=sgd (plain SGD instead of Adam). only=pos trains on the positive-advantage
// responses alone (with weights=win estimator=reinforce credit=episode: SFT on the won
// episodes' turns). dump=FILE writes the batch (sequences with their frames at the model's
// image size, old and reference log-probs, advantages) and the update's settings, for
// scripts/update-timing.ts to replay the same update elsewhere (a GPU machine without envs).
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import type { Frame } from '../envs/render/frame.js';
import { resizeFrame } from '../envs/render/resize.js';
import { initBackend, loadModel, modelInput, createAdam } from '../agents/model/index.js';
import { Rng } from '../envs/core/rng.js';
import '../envs/index.js';
import '../tasks/index.js';
import { loadTrainConfig, type RlStageConfig } from '../training/pipeline/config.js';
import { configHooks } from '../training/pipeline/run.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { rolloutSequences } from '../training/rl/sequences.js';
import { policyUpdateAsync, scoreSequences } from '../training/rl/update.js';
import { probeArgs } from './probe-args.js';

const KEYS = ['config', 'lrs', 'opt', 'miniBatch', 'groups', 'T', 'estimator', 'credit', 'weights', 'only', 'seed', 'dump', 'negScale', 'tokens'];
const [dir, ...rest] = process.argv.slice(2);
if (!dir) throw new Error('usage: rl-update-probe.ts CHECKPOINT [key=value ...]');
const arg = probeArgs(rest, KEYS);
if (arg.tokens !== undefined && arg.tokens !== 'answer' && arg.tokens !== 'plan') throw new Error(`tokens must be 'answer' or 'plan', got ${arg.tokens}`);
const config = loadTrainConfig(arg.config ?? 'configs/sokoban-rl-progress.json', configHooks);
const stage = config.stages.find((s): s is RlStageConfig => s.type === 'fre' || s.type === 'mgt');
if (!stage) throw new Error('the config has no fre or mgt stage');
const alg = { ...stage.algorithm };
if (arg.miniBatch) alg.miniBatch = Number(arg.miniBatch);
if (arg.estimator) alg.estimator = arg.estimator as typeof alg.estimator;
if (arg.credit === 'episode') alg.credit = { mode: 'episode' };
const rewards = arg.weights === 'win' ? { accuracy: 1, format: 0, env: 0, penalty: 0 } : stage.rewards;
const T = Number(arg.T ?? stage.sampling.temperature);
const sampling = { ...stage.sampling, temperature: T };

await initBackend({ log: () => {} });
const model = await loadModel(dir, { trainable: true });
const t0 = performance.now();
const batch = await collectRollouts({
  model, promptOf: modelInput, envs: stage.envs, groups: Number(arg.groups ?? stage.batch), groupSize: stage.groupSize,
  sampling, rewardWeights: rewards, rng: new Rng(Number(arg.seed ?? 1)), seedLimit: stage.eval.seedStart,
});
const seqs = rolloutSequences(batch, { ...alg, groupSize: stage.groupSize, rewards }).sequences;
const won = batch.episodes.filter((e) => e.components.accuracy === 1).length;
console.log(`rollouts: ${batch.episodes.length} episodes, ${seqs.length} responses, success ${(won / batch.episodes.length).toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
// The start model scores the responses before any update: the reference of the KL term too.
const lp0 = await scoreSequences(model, seqs, T);
let dev = 0, devMax = 0, n = 0;
seqs.forEach((q, i) => {
  q.refLogp = lp0[i]!;
  q.oldLogp.forEach((o, j) => { const d = Math.abs(o - lp0[i]![j]!); dev += d; devMax = Math.max(devMax, d); n++; });
});
console.log(`sampling vs scoring log-probs: mean |diff| ${(dev / n).toExponential(2)}, max ${devMax.toExponential(2)} over ${n} tokens`);
// The answer's tokens (between <answer> and </answer>): reported for every update, and with
// tokens=answer the only ones the update trains (tokenMask; the reasoning is held).
const [openId] = model.tokenizer.encode('<answer>'), [closeId] = model.tokenizer.encode('</answer>');
const answerMask = (ids: readonly number[]) => {
  const a = ids.indexOf(openId!), b = ids.indexOf(closeId!, a + 1);
  return ids.map((_, i) => (a >= 0 && i > a && (b < 0 || i < b) ? 1 : 0));
};
const answerMasks = seqs.map((q) => answerMask(q.tokenIds));
// tokens=plan: the reasoning's plan (from `push ...` or `go ...`, after the positions, walls
// and boxes it copies from the image) through the answer.
const planMask = (ids: readonly number[]) => {
  const text = model.tokenizer.decode([...ids]);
  const m = /; (push|go) /.exec(text);
  if (!m) return ids.map(() => 0);
  const from = m.index + 2, close = ids.indexOf(closeId!);
  return ids.map((_, i) => (model.tokenizer.decode(ids.slice(0, i)).length >= from && (close < 0 || i < close) ? 1 : 0));
};
// negScale=L trains with every negative advantage times L (the scores below still group by the true sign).
const negScale = Number(arg.negScale ?? 1);
const trainOn = (arg.only === 'pos' ? seqs.filter((q) => q.advantage > 0) : seqs).map((q) => ({
  ...q,
  ...(q.advantage < 0 && negScale !== 1 ? { advantage: q.advantage * negScale } : {}),
  ...(arg.tokens === 'answer' ? { tokenMask: answerMask(q.tokenIds) } : arg.tokens === 'plan' ? { tokenMask: planMask(q.tokenIds) } : {}),
}));
if (arg.tokens) {
  const kept = trainOn.reduce((a, q) => a + q.tokenMask!.reduce((x, y) => x + y, 0), 0), all = trainOn.reduce((a, q) => a + q.tokenIds.length, 0);
  console.log(`tokens=${arg.tokens}: the update trains ${kept} of ${all} tokens (${((100 * kept) / all).toFixed(1)}%)`);
}
if (arg.dump) {
  const size = model.config.imageSize;
  const frame = (f: Frame | undefined) => f && Buffer.from(resizeFrame(f, size, size).data.buffer).toString('base64');
  writeFileSync(arg.dump, JSON.stringify({
    checkpoint: dir, lr: Number((arg.lrs ?? String(stage.lr)).split(',')[0]), settings: { ...alg, temperature: T }, imageSize: size,
    sequences: trainOn.map((q) => ({ prompt: q.input.prompt, image: frame(q.input.image), tokenIds: q.tokenIds, oldLogp: q.oldLogp, refLogp: q.refLogp, advantage: q.advantage, weight: q.weight })),
  }));
  console.log(`wrote ${trainOn.length} sequences to ${arg.dump}`);
}
const A = seqs.map((q) => q.advantage), meanA = sum(A) / A.length;
for (const lr of (arg.lrs ?? String(stage.lr)).split(',').map(Number)) {
  const m = await loadModel(dir, { trainable: true });
  const optimizer = arg.opt === 'sgd' ? tf.train.sgd(lr) : await createAdam(lr);
  const u = await policyUpdateAsync(m, optimizer, trainOn, { ...alg, temperature: T });
  console.log(`lr ${lr} ${arg.opt ?? 'adam'}: ${u.optimizerSteps} steps, grad norm max ${u.gradNorm.toFixed(2)}, approxKlOld ${u.approxKlOld.toFixed(4)}, clip ${u.clipFraction.toFixed(4)}`);
  const lp1 = await scoreSequences(m, seqs, T);
  const delta = seqs.map((_, i) => sum(lp1[i]!) - sum(lp0[i]!));
  const answerDelta = seqs.map((_, i) => sum(lp1[i]!.map((v, j) => (v - lp0[i]![j]!) * answerMasks[i]![j]!)));
  /** Mean of `values` over the responses of each advantage sign. */
  const bySign = (values: readonly number[], withN: boolean) => (['A>0', 'A<0', 'A=0'] as const).map((label, c) => {
    const d = values.filter((_, i) => (c === 0 ? A[i]! > 1e-9 : c === 1 ? A[i]! < -1e-9 : Math.abs(A[i]!) <= 1e-9));
    return `${label} ${(d.length ? sum(d) / d.length : 0).toFixed(4)}${withN ? ` (n ${d.length})` : ''}`;
  }).join(', ');
  const meanD = sum(delta) / delta.length;
  const corr = sum(A.map((a, i) => (a - meanA) * (delta[i]! - meanD))) / Math.sqrt(sum(A.map((a) => (a - meanA) ** 2)) * sum(delta.map((d) => (d - meanD) ** 2)));
  console.log(`delta log-prob per response: ${bySign(delta, true)}; corr(A, delta) ${corr.toFixed(3)}`);
  console.log(`  of which the answer's tokens: ${bySign(answerDelta, false)}`);
  optimizer.dispose();
  m.dispose();
}
