// Curvature probe: is the policy gradient right, and how far can a step follow it? On the
// responses of the won episodes of one rollout batch (64 episodes of 6x6/1, T 0.5), takes
// the gradient of their summed log-prob, then for each weight group (layers merged: h#.ff#_w
// is every feed-forward weight) steps only that group by eta x its gradient and compares the
// change of the mean log-prob per response with the first-order prediction eta x |g|^2.
// Equal at small eta: the gradient is right; far below it (or negative): the loss curves
// sharply along that group's gradient, so larger steps undo the gain.
//   npx tsx scripts/curvature-probe.ts CHECKPOINT [eta=1e-3]
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadModel, modelInput } from '../agents/model/index.js';
import { Rng } from '../envs/core/rng.js';
import '../envs/index.js';
import '../tasks/index.js';
import { collectRollouts } from '../training/rollout/collect.js';
import { scoreSequences } from '../training/rl/update.js';
import type { StageEnvSpec } from '../training/pipeline/config.js';
const dir = process.argv[2];
if (!dir) throw new Error('usage: curvature-probe.ts CHECKPOINT [eta]');
const T = 0.5;
await initBackend({ log: () => {} });
const model = await loadModel(dir, { trainable: true });
const env: StageEnvSpec = { id: 'Sokoban-v0', options: {}, mode: 'image', style: 'step', maxTurns: 30, historyLength: 0, weight: 1 };
const batch = await collectRollouts({ model, promptOf: modelInput, envs: [env], groups: 8, groupSize: 8, sampling: { temperature: T, topP: 1, maxTokens: 128 }, rewardWeights: { accuracy: 1 }, rng: new Rng(1), seedLimit: 1e9 });
const seqs = batch.episodes.filter((e) => e.components.accuracy).flatMap((e) => e.samples.map((s) => ({ input: s.input, tokenIds: s.tokenIds })));
console.log('positive seqs', seqs.length);
const score = async () => { const lp = await scoreSequences(model, seqs, T); return lp.reduce((a, x) => a + x.reduce((b, y) => b + y, 0), 0) / seqs.length; };
// The gradient of the mean (over responses) summed log-prob, in passes of 32 responses.
const grads: Record<string, tf.Tensor> = {};
for (let i = 0; i < seqs.length; i += 32) {
  const part = seqs.slice(i, i + 32);
  const r = tf.variableGrads(() => { const s = model.responseLogProbs(part.map((q) => ({ input: q.input, response: q.tokenIds })), { temperature: T }); return tf.div(tf.sum(tf.mul(s.logProbs, s.mask)), seqs.length) as tf.Scalar; }, model.variables);
  r.value.dispose();
  for (const [k, g] of Object.entries(r.grads)) { grads[k] = grads[k] ? tf.add(grads[k]!, g) : g; }
}
const base = await score();
console.log('base mean logp', base.toFixed(4));
const vars = model.namedVariables();
const groupOf = (n: string) => n.replace(/\d+/g, '#');
const groups = new Map<string, string[]>();
for (const [key, v] of vars) { const k = groupOf(key); groups.set(k, [...(groups.get(k) ?? []), v.name]); }
const byTf = new Map([...vars.values()].map((v) => [v.name, v]));
const norm = (names: string[]) => Math.sqrt(names.reduce((a, n) => a + (grads[n] ? tf.sum(tf.square(grads[n]!)).dataSync()[0]! : 0), 0));
const total = norm([...vars.values()].map((v) => v.name));
console.log('total grad norm', total.toFixed(4));
const eta = Number(process.argv[3] ?? 1e-3);
for (const [k, names] of groups) {
  const gn = norm(names);
  if (gn === 0) continue;
  const saved = names.map((n) => [n, byTf.get(n)!.clone()] as const);
  for (const n of names) if (grads[n]) byTf.get(n)!.assign(tf.add(byTf.get(n)!, tf.mul(grads[n]!, eta)));
  const d = (await score()) - base;
  for (const [n, s] of saved) { byTf.get(n)!.assign(s); s.dispose(); }
  console.log(`${k.padEnd(40)} |g| ${gn.toFixed(4)}  first-order ${(eta * gn * gn).toFixed(5)}  actual ${d.toFixed(5)}`);
}
