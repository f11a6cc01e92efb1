import { ModelError } from './errors.js';
import { LmmModel } from './model.js';

/**
 * Depth growth (issue 12): a deeper model that computes exactly what `model` computes, so a
 * trained small model can keep training with more layers instead of starting over.
 *
 * Each new block is a copy of the trained block placed before it (its LayerNorms, QKV and
 * first MLP layer: feature detectors that are already useful) with its two output
 * projections (attention out, MLP second layer, weights and biases) set to zero. In a pre-LN
 * residual block a zero output projection adds nothing to the residual stream, so the grown
 * model's logits are the original's; the gradients into the zeroed projections are not zero,
 * so the new blocks start learning on the first step (the "stacking" idea of progressive
 * training, made function-preserving).
 *
 * New blocks are spread evenly: growing 3 -> 5 layers gives [h0, new, h1, new, h2]; 3 -> 6
 * gives one new block after each.
 */
export async function growDepth(model: LmmModel, nLayers: number, options: { trainable?: boolean } = {}): Promise<LmmModel> {
  const from = model.config.nLayers;
  if (!Number.isInteger(nLayers) || nLayers <= from) throw new ModelError(`growDepth: nLayers must be an integer above the model's ${from}, got ${nLayers}`);
  const plan = depthPlan(from, nLayers);
  const old = await model.weights();
  const values = new Map<string, Float32Array>();
  for (const [name, v] of old) if (!/^h\d+\./.test(name)) values.set(name, v);
  plan.forEach(({ source, fresh }, i) => {
    for (const [name, v] of old) {
      const m = /^h(\d+)\.(.+)$/.exec(name);
      if (!m || Number(m[1]) !== source) continue;
      const zero = fresh && ZEROED.has(m[2]!);
      values.set(`h${i}.${m[2]}`, zero ? new Float32Array(v.length) : v.slice());
    }
  });
  return new LmmModel({ ...model.config, nLayers }, model.tokenizer, values, options.trainable ?? model.trainable);
}

/** The output projections of a block: zero makes the block the identity on the residual stream. */
const ZEROED = new Set(['out_w', 'out_b', 'ff2_w', 'ff2_b']);

/** For each layer of the grown model: the old block it copies and whether it is a new (zero-output) one. */
export function depthPlan(from: number, to: number): { source: number; fresh: boolean }[] {
  const plan: { source: number; fresh: boolean }[] = [];
  const extra = to - from;
  let added = 0;
  for (let i = 0; i < from; i++) {
    plan.push({ source: i, fresh: false });
    // After old block i, add new blocks until ceil((i+1) * extra / from) have been added.
    const due = Math.ceil(((i + 1) * extra) / from);
    while (added < due) { plan.push({ source: i, fresh: true }); added++; }
  }
  return plan;
}
