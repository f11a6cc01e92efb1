import { ModelError } from './errors.js';
import { visualPositionValue } from './params.js';
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

/**
 * Image growth (issue 12, larger rooms): the same model for a larger square image, so an
 * agent trained on 6x6 rooms (48 px, 6x6 patches) can keep training on 7x7 rooms (56 px,
 * one 8 px patch per tile) instead of starting over. Every weight is kept; only the
 * visual position table grows from g x g to G x G patches. A patch inside the old grid
 * keeps its learned embedding; a new row or column gets the sinusoidal initial code
 * continued past the old grid (agents/model/params.ts) plus what training added to the
 * code of the nearest old patch, so the new positions look like their neighbours but stay
 * distinct. Not function-preserving: the new patches carry image content the model has
 * never seen there, so it needs training on the larger images.
 */
export async function growImage(model: LmmModel, imageSize: number, options: { trainable?: boolean } = {}): Promise<LmmModel> {
  const c = model.config, p = c.patchSize;
  if (!Number.isInteger(imageSize) || imageSize <= c.imageSize || imageSize % p !== 0) {
    throw new ModelError(`growImage: imageSize must be a multiple of the patch size ${p} above the model's ${c.imageSize}, got ${imageSize}`);
  }
  const g = c.imageSize / p, G = imageSize / p, dv = c.visionWidth;
  const old = await model.weights();
  const learned = old.get('vis.pos')!;
  const pos = new Float32Array(G * G * dv);
  for (let r = 0; r < G; r++) {
    for (let col = 0; col < G; col++) {
      const rr = Math.min(r, g - 1), cc = Math.min(col, g - 1), from = (rr * g + cc) * dv, to = (r * G + col) * dv;
      for (let j = 0; j < dv; j++) {
        const trained = learned[from + j]!;
        pos[to + j] = rr === r && cc === col ? trained : visualPositionValue(g, dv, r, col, j) + trained - visualPositionValue(g, dv, rr, cc, j);
      }
    }
  }
  const values = new Map(old);
  values.set('vis.pos', pos);
  return new LmmModel({ ...c, imageSize }, model.tokenizer, values, options.trainable ?? model.trainable);
}
