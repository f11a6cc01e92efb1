import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../envs/core/rng.js';
import type { ModelConfig } from './config.js';
import { usesAlibi, visualTokens } from './config.js';
import { patchInputs } from './vision.js';

/** Name and shape of every weight, in checkpoint order. */
export function parameterShapes(c: ModelConfig): [string, number[]][] {
  const d = c.dModel, dv = c.visionWidth;
  const shapes: [string, number[]][] = [
    ['tok_emb', [c.vocabSize, d]],
    ...(usesAlibi(c) ? [] : [['pos_emb', [c.maxSeq, d]] as [string, number[]]]),
    ['vis.patch_w', [patchInputs(c), dv]], ['vis.patch_b', [dv]], ['vis.pos', [visualTokens(c), dv]],
    ['vis.ln_g', [dv]], ['vis.ln_b', [dv]],
    ['vis.proj1_w', [dv, d]], ['vis.proj1_b', [d]], ['vis.proj2_w', [d, d]], ['vis.proj2_b', [d]],
  ];
  for (let l = 0; l < c.nLayers; l++) {
    shapes.push(
      [`h${l}.ln1_g`, [d]], [`h${l}.ln1_b`, [d]],
      [`h${l}.qkv_w`, [d, 3 * d]], [`h${l}.qkv_b`, [3 * d]],
      [`h${l}.out_w`, [d, d]], [`h${l}.out_b`, [d]],
      [`h${l}.ln2_g`, [d]], [`h${l}.ln2_b`, [d]],
      [`h${l}.ff1_w`, [d, c.dFF]], [`h${l}.ff1_b`, [c.dFF]],
      [`h${l}.ff2_w`, [c.dFF, d]], [`h${l}.ff2_b`, [d]],
    );
  }
  shapes.push(['lnf_g', [d]], ['lnf_b', [d]]);
  return shapes;
}

/**
 * Initial values from a seeded Rng (not tf.random*, so a seed gives the same model on
 * every backend): normal(0, initStd) for matrices and embeddings, with the residual
 * output projections scaled by 1/sqrt(2 nLayers) (GPT-2); ones for LayerNorm gains;
 * zeros for biases.
 */
export function initialValues(c: ModelConfig, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (name === 'vis.pos') visualPositionCode(c, v);
    else if (leaf.endsWith('_g')) v.fill(1);
    else if (leaf.endsWith('_b')) { /* zeros */ } else {
      const residual = leaf === 'out_w' || leaf === 'ff2_w';
      const std = c.initStd * (residual ? 1 / Math.sqrt(2 * c.nLayers) : 1);
      for (let i = 0; i < n; i++) v[i] = rng.normal(0, std);
    }
    out.set(name, v);
  }
  return out;
}

/**
 * Initial visual position embeddings: a 2-D sinusoidal code (half the channels for the
 * patch row, half for the column) at about the scale of the patch features. With a small
 * random init the decoder could not tell where a patch is for hundreds of steps, and
 * perception ("where is the player?") is mostly position (issue 12). Still trainable.
 */
function visualPositionCode(c: ModelConfig, out: Float32Array): void {
  const grid = c.imageSize / c.patchSize, dv = c.visionWidth;
  for (let k = 0; k < grid * grid; k++) {
    for (let j = 0; j < dv; j++) out[k * dv + j] = visualPositionValue(grid, dv, Math.floor(k / grid), k % grid, j);
  }
}

/**
 * Channel `j` of the sinusoidal code of patch (row, col) for a `grid` x `grid` patch grid
 * and `dv` channels. Rows and columns past the grid continue the same waves (grow.ts
 * uses that for the patches a larger image adds).
 */
export function visualPositionValue(grid: number, dv: number, row: number, col: number, j: number): number {
  const half = Math.floor(dv / 2);
  const pos = j < half ? row : col, i = j < half ? j : j - half;
  const angle = (pos + 0.5) * (Math.floor(i / 2) + 1) * Math.PI / grid;
  return 0.25 * (i % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
}

/** Create the tf variables (auto-named: tfjs variable names must be globally unique). */
export function createVariables(c: ModelConfig, values: Map<string, Float32Array>, trainable: boolean): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  for (const [name, shape] of parameterShapes(c)) {
    const v = values.get(name);
    if (!v) throw new Error(`missing initial value for ${name}`);
    vars.set(name, tf.tidy(() => tf.variable(tf.tensor(v, shape, 'float32'), trainable)));
  }
  return vars;
}
