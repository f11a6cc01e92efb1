import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../envs/core/rng.js';
import type { ModelConfig, ModelPreset } from './config.js';
import { alibiOnImage, alibiSlopes, modelConfig, parameterCount, usesAlibi, validateConfig, visualTokens } from './config.js';
import { ModelError } from './errors.js';
import type { Layout, LayoutRow, ModelInput } from './layout.js';
import { attentionMask, layoutRows, rowLengths } from './layout.js';
import { fusedAddon, fusedForward, KvCache, packWeights, tokEmbOffset, FUSED_LAYER_WEIGHTS } from './fused.js';
import type { FusedEngine } from './fused.js';
import { createVariables, initialValues, parameterShapes } from './params.js';
import { gatherRows } from './gather.js';
import { readAsync, readSync, type Reads } from './reads.js';
import { throwPendingBackendError } from './backend.js';
import { attentionOp, geluOp, layerNormOp, scatterColumnsOp, tokenLogProbsOp, trainAddon, trainOpsAvailable } from './train-ops.js';
import { Sampler } from './sampling.js';
import { EOS, PAD, Tokenizer } from './tokenizer.js';
import { maxOf } from '../../envs/core/arrays.js';
import { isFrame } from '../../envs/render/frame.js';

/** A prompt with a response to score or train on: text (tokenized) or token ids. */
export interface ScoredExample {
  input: ModelInput;
  response: string | readonly number[];
}

export interface GenerationOptions {
  /** Response tokens at most (default 64). */
  maxTokens?: number;
  /** 0 = greedy; default 1. */
  temperature?: number;
  /** Nucleus sampling mass (default 1 = off). */
  topP?: number;
  /** Seed of the sampling Rng (deterministic per seed); or pass `rng`. */
  seed?: number;
  rng?: Rng;
  /** Stop after a response ending with one of these (default ['</answer>']); `<eos>` always stops. */
  stop?: readonly string[];
  /**
   * Debug/test hook: the logits [B * V] used to pick each step's tokens (a copy). With the
   * fused engines, rows that already finished hold their last values.
   */
  onLogits?: (step: number, logits: Float32Array) => void;
  /**
   * How to run the decoder (default env LMM_GYM_GENERATE, else 'auto'): 'native' = the
   * fused C decoder of the native addon, 'js' = the same in TypeScript, 'auto' = native
   * when the addon has it, else js; 'tfjs' = the per-op tfjs path (reference, slow).
   */
  engine?: GenerationEngine;
  /** Threads of the native fused decoder (default env LMM_GYM_GENERATE_THREADS, else 1). */
  threads?: number;
}

export type GenerationEngine = 'auto' | 'native' | 'js' | 'tfjs';
const ENGINES: readonly GenerationEngine[] = ['auto', 'native', 'js', 'tfjs'];

/**
 * How `responseLogProbs` (training, scoring with gradients) runs the decoder: 'fused' =
 * the sequences packed without padding through the native training ops (train-ops.ts),
 * 'tfjs' = the per-op path on a left-padded batch (reference), 'auto' (default; env
 * LMM_GYM_TRAIN_ENGINE) = fused on the cpu backend when the addon has those ops, else tfjs.
 */
export type TrainEngine = 'auto' | 'fused' | 'tfjs';
const TRAIN_ENGINES: readonly TrainEngine[] = ['auto', 'fused', 'tfjs'];

/** Options of `responseLogProbs`. */
export interface ResponseLogProbsOptions {
  /** Divides the logits (use the sampling one; default 1). */
  temperature?: number;
  /** Also return the entropy of each position's distribution. */
  entropy?: boolean;
  /** Decoder path (default env LMM_GYM_TRAIN_ENGINE, else 'auto'). */
  engine?: TrainEngine;
}

/** Options of `scoreResponses`. */
export interface ScoreOptions {
  temperature?: number;
  /**
   * 'native' / 'js': the fused generation decoder (no gradients, no tfjs; 'auto' picks
   * native when built, as generation does); 'tfjs': `responseLogProbs` (default env
   * LMM_GYM_SCORE, else 'auto').
   */
  engine?: GenerationEngine;
}

/** Prefill at most this many prompt tokens per fused call (bounds its scratch memory). */
const PREFILL_TOKENS = 4096;

export interface Generation {
  text: string;
  tokenIds: number[];
  /** Log-probability of each token under softmax(logits / temperature) (1 when greedy). */
  logProbs: number[];
  finishReason: 'stop' | 'eos' | 'length' | 'context';
}

/** Differentiable per-token results of `responseLogProbs`, shape [B, R] (R = longest response). */
export interface ResponseScores {
  /** log p(token) of each response token; 0 at padding. */
  logProbs: tf.Tensor2D;
  /** 1 at real response tokens, 0 at padding (constant). */
  mask: tf.Tensor2D;
  /** Entropy of the predictive distribution at each response position (only if asked). */
  entropy?: tf.Tensor2D;
}

export interface TrainStepOptions {
  /** Clip the global gradient norm to this (default 1; 0 = no clipping). */
  clipNorm?: number;
}

export interface TrainStepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface CreateModelOptions {
  /** A preset (default 'small') or a full config; the vocabulary size always comes from the tokenizer. */
  preset?: ModelPreset;
  config?: Partial<ModelConfig>;
  tokenizer?: Tokenizer;
  /** Seed of the weight init (default 0). */
  seed?: number;
}

type Cache = { k: tf.Tensor4D; v: tf.Tensor4D }[];

const LN_EPS = 1e-5;

/**
 * The trainable multimodal model: a patch-embedding vision encoder with a two-layer
 * projector (LLaVA-style) that turns a frame into visual tokens, and a pre-LN causal
 * transformer decoder over [visual tokens, <bos>, prompt, <resp>, response]. Weights are
 * plain tf.Variables (no tf.layers), so RL losses take gradients of `responseLogProbs`
 * through `trainStep`. Call `initBackend()` before creating one.
 */
export class LmmModel {
  readonly config: ModelConfig;
  readonly tokenizer: Tokenizer;
  readonly trainable: boolean;
  private readonly vars: Map<string, tf.Variable>;
  /** ALiBi slopes per head, or null for learned positions. */
  private readonly slopes: Float32Array | null;
  private disposed = false;
  /** The fused decoder's packed weights and the tensor data they were packed from. */
  private packed: { from: unknown[]; W: Float32Array } | null = null;

  constructor(config: ModelConfig, tokenizer: Tokenizer, values: Map<string, Float32Array>, trainable = true) {
    if (config.vocabSize !== tokenizer.size) {
      throw new ModelError(`model vocabSize ${config.vocabSize} does not match the tokenizer's ${tokenizer.size} tokens`);
    }
    this.config = validateConfig(config);
    this.tokenizer = tokenizer;
    this.trainable = trainable;
    this.vars = createVariables(config, values, trainable);
    this.slopes = usesAlibi(config) ? alibiSlopes(config.nHeads) : null;
  }

  /** A fresh model with seeded initial weights. */
  static create(options: CreateModelOptions = {}): LmmModel {
    const tokenizer = options.tokenizer ?? Tokenizer.build([]);
    const config = modelConfig(options.preset ?? 'small', tokenizer.size, options.config);
    return new LmmModel(config, tokenizer, initialValues(config, options.seed ?? 0));
  }

  /** Trainable variables in checkpoint order (the list to give an optimizer). */
  get variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Variables by weight name (checkpoint names, stable across processes). */
  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.vars);
  }

  get parameterCount(): number {
    return parameterCount(this.config);
  }

  /** Weight values by name (copies). */
  async weights(): Promise<Map<string, Float32Array>> {
    this.checkAlive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.vars) out.set(name, (await v.data()) as Float32Array);
    return out;
  }

  /** Overwrite every weight (names and sizes must match the config). */
  setWeights(values: Map<string, Float32Array>): void {
    this.checkAlive();
    for (const [name, shape] of parameterShapes(this.config)) {
      const v = values.get(name);
      const n = shape.reduce((a, b) => a * b, 1);
      if (!v || v.length !== n) throw new ModelError(`weight ${name}: expected ${n} values (shape ${shape.join('x')}), got ${v ? v.length : 'none'}`);
      tf.tidy(() => this.vars.get(name)!.assign(tf.tensor(v, shape, 'float32')));
    }
  }

  /** A copy with its own variables, e.g. the frozen reference policy for KL (trainable = false). */
  async clone(trainable = false): Promise<LmmModel> {
    return new LmmModel(this.config, this.tokenizer, await this.weights(), trainable);
  }

  /** Release the variables. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.vars.values()) v.dispose();
    this.packed = null;
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new ModelError('this model was disposed');
  }

  /** Attention mask (with the ALiBi biases when used) for queries at the last Tq of Tk columns. */
  private mask(layout: Pick<Layout, 'pads' | 'imageTokens'>, queries: number, keys: number): tf.Tensor4D {
    const H = this.slopes ? this.config.nHeads : 1;
    const freeImage = this.slopes && !alibiOnImage(this.config) ? layout.imageTokens : null;
    return tf.tensor4d(attentionMask(layout.pads, queries, keys, this.slopes, freeImage), [layout.pads.length, H, queries, keys]);
  }

  private w(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  // ---------------------------------------------------------------- forward pieces

  private layerNorm(x: tf.Tensor, g: string, b: string): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), this.w(g)), this.w(b));
  }

  /** x [N, in] @ W + b. */
  private linear(x: tf.Tensor2D, w: string, b: string): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.w(w)), this.w(b));
  }

  /** GELU, sigmoid approximation x * sigmoid(1.702 x): 2 element-wise ops on the JS backend. */
  private gelu(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
  }

  /** Visual tokens of the layout's images: [images * visualTokens, dModel]. */
  private encodeImages(layout: Layout): tf.Tensor2D {
    const c = this.config, nv = visualTokens(c);
    const x = tf.tensor2d(layout.patches!, [layout.images * nv, c.patchSize * c.patchSize * 3]);
    let h: tf.Tensor = this.linear(x, 'vis.patch_w', 'vis.patch_b').reshape([layout.images, nv, c.visionWidth]);
    h = this.layerNorm(tf.add(h, this.w('vis.pos')), 'vis.ln_g', 'vis.ln_b');
    const p = this.gelu(this.linear(h.reshape([layout.images * nv, c.visionWidth]) as tf.Tensor2D, 'vis.proj1_w', 'vis.proj1_b'));
    return this.linear(p as tf.Tensor2D, 'vis.proj2_w', 'vis.proj2_b');
  }

  /** Input embeddings [B, L, d] of a layout (tokens, visual tokens and positions). */
  private embed(layout: Layout): tf.Tensor3D {
    const { batch: B, length: L } = layout, d = this.config.dModel;
    const table = layout.images ? tf.concat([this.w('tok_emb'), this.encodeImages(layout)], 0) : this.w('tok_emb');
    const tok = gatherRows(table as tf.Tensor2D, layout.embedIndex);
    if (this.slopes) return tok.reshape([B, L, d]);
    const pos = gatherRows(this.w('pos_emb') as tf.Tensor2D, layout.positions);
    return tf.add(tok, pos).reshape([B, L, d]);
  }

  /**
   * The decoder over x [B, T, d] whose queries are the last T of the key columns; `past`
   * holds each layer's cached keys/values [B, H, P, dh]. Returns the final-LN hidden
   * states [B, T, d] and each layer's full keys/values (past + new).
   */
  private decode(x: tf.Tensor3D, mask: tf.Tensor4D, past: Cache | null): { hidden: tf.Tensor3D; cache: Cache } {
    const c = this.config, [B, T] = x.shape, d = c.dModel, H = c.nHeads, dh = d / H;
    const scale = 1 / Math.sqrt(dh);
    const cache: Cache = [];
    let h: tf.Tensor = x;
    for (let l = 0; l < c.nLayers; l++) {
      const p = `h${l}.`;
      const a = this.layerNorm(h, p + 'ln1_g', p + 'ln1_b').reshape([B * T, d]) as tf.Tensor2D;
      // [B, T, 3, H, dh] -> [3, B, H, T, dh]: q, k, v become contiguous blocks, so unstack is
      // a cheap copy (tf.split along a middle axis is an element-wise gather on the cpu backend).
      const qkv = this.linear(a, p + 'qkv_w', p + 'qkv_b').reshape([B, T, 3, H, dh]).transpose([2, 0, 3, 1, 4]);
      const [q0, k0, v0] = tf.unstack(qkv, 0) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const q = tf.mul(q0, scale);
      const k = past ? tf.concat([past[l]!.k, k0], 2) : k0;
      const v = past ? tf.concat([past[l]!.v, v0], 2) : v0;
      cache.push({ k, v });
      const att = tf.softmax(tf.add(tf.matMul(q, k, false, true), mask));
      const mixed = tf.matMul(att, v).transpose([0, 2, 1, 3]).reshape([B * T, d]) as tf.Tensor2D;
      h = tf.add(h, this.linear(mixed, p + 'out_w', p + 'out_b').reshape([B, T, d]));
      const m = this.layerNorm(h, p + 'ln2_g', p + 'ln2_b').reshape([B * T, d]) as tf.Tensor2D;
      const f = this.linear(this.gelu(this.linear(m, p + 'ff1_w', p + 'ff1_b')) as tf.Tensor2D, p + 'ff2_w', p + 'ff2_b');
      h = tf.add(h, f.reshape([B, T, d]));
    }
    return { hidden: this.layerNorm(h, 'lnf_g', 'lnf_b') as tf.Tensor3D, cache };
  }

  /** Logits [N, V] of hidden rows [N, d] (output head tied to the token embedding). */
  private head(h: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(h, this.w('tok_emb'), false, true);
  }

  // ---------------------------------------------------------------- public API

  /** Prompt token ids (the text of a ModelInput). */
  encodePrompt(input: ModelInput): number[] {
    if (!input || typeof input.prompt !== 'string') throw new ModelError('model input must be {prompt: string, image?: Frame}');
    return this.tokenizer.encode(input.prompt);
  }

  private responseIds(response: string | readonly number[]): readonly number[] {
    if (typeof response === 'string') return this.tokenizer.encode(response);
    if (!Array.isArray(response)) throw new ModelError('a response must be a string or an array of token ids');
    for (const id of response) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new ModelError(`response token id ${id} is outside the vocabulary (size ${this.config.vocabSize})`);
    }
    return response;
  }

  /**
   * Logits [B, R, V] predicting each response token (R = longest response), full
   * recompute without cache. Differentiable; call inside tf.tidy or dispose the result.
   */
  responseLogits(examples: readonly ScoredExample[]): tf.Tensor3D {
    this.checkAlive();
    const responses = examples.map((e) => this.responseIds(e.response));
    const rows: LayoutRow[] = examples.map((e, b) => ({
      image: e.input.image, promptIds: this.encodePrompt(e.input), inputResponseIds: responses[b]!.slice(0, -1),
    }));
    const layout = layoutRows(rows, this.config);
    const R = Math.max(1, maxOf(responses.map((r) => r.length)));
    const { batch: B, length: L } = layout;
    const at = new Int32Array(B * R);
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < R; r++) at[b * R + r] = b * L + (r < responses[b]!.length ? layout.respColumn[b]! + r : L - 1);
    }
    return tf.tidy(() => {
      const { hidden } = this.decode(this.embed(layout), this.mask(layout, L, L), null);
      const rowsAt = gatherRows(hidden.reshape([B * L, this.config.dModel]), at);
      return this.head(rowsAt).reshape([B, R, this.config.vocabSize]);
    });
  }

  /**
   * Per-token log-probabilities of the given responses, batched and differentiable: the
   * building block of SFT, policy-gradient and KL losses (use inside `trainStep`'s loss
   * function, or in tf.tidy). `temperature` divides the logits (use the sampling one).
   */
  responseLogProbs(examples: readonly ScoredExample[], options: ResponseLogProbsOptions = {}): ResponseScores {
    const responses = examples.map((e) => this.responseIds(e.response));
    const B = examples.length, R = Math.max(1, maxOf(responses.map((r) => r.length))), V = this.config.vocabSize;
    const targets = new Int32Array(B * R), maskValues = new Float32Array(B * R);
    responses.forEach((r, b) => r.forEach((id, i) => { targets[b * R + i] = id; maskValues[b * R + i] = 1; }));
    const t = options.temperature ?? 1;
    if (!(t > 0)) throw new ModelError(`scoring temperature must be > 0, got ${t}`);
    const total = responses.reduce((a, r) => a + r.length, 0);
    if (resolveTrainEngine(options.engine) === 'fused' && total > 0) return this.responseLogProbsFused(examples, responses, t, !!options.entropy);
    return tf.tidy(() => {
      let logits: tf.Tensor = this.responseLogits(examples);
      if (t !== 1) logits = tf.div(logits, t);
      const logp = tf.logSoftmax(logits);
      const mask = tf.tensor2d(maskValues, [B, R]);
      let picked: tf.Tensor;
      if (tf.getBackend() !== 'webgpu') {
        const flat = new Int32Array(B * R);
        for (let i = 0; i < B * R; i++) flat[i] = i * V + targets[i]!;
        picked = gatherRows(logp.reshape([B * R * V, 1]), flat).reshape([B, R]);
      } else {
        // WebGPU dispatches that gather with B*R*V rows in one grid dimension, past its
        // 65535-workgroup limit; a one-hot product is one elementwise op and a reduction.
        picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor2d(targets, [B, R], 'int32'), V)), -1);
      }
      const out: ResponseScores = { logProbs: tf.mul(picked, mask) as tf.Tensor2D, mask };
      if (options.entropy) out.entropy = tf.mul(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)), mask) as tf.Tensor2D;
      return out as unknown as tf.TensorContainer;
    }) as unknown as ResponseScores;
  }

  /**
   * `responseLogProbs` on the fused training ops: the rows packed without padding (every
   * [N, d] activation holds only real tokens), LayerNorm / attention / GELU / log-softmax
   * as one op each, and the final LayerNorm and the head only at the positions that
   * predict a response token. Same values as the per-op path to float rounding.
   */
  private responseLogProbsFused(examples: readonly ScoredExample[], responses: readonly (readonly number[])[], temperature: number, entropy: boolean): ResponseScores {
    this.checkAlive();
    const c = this.config, d = c.dModel;
    const rows: LayoutRow[] = examples.map((e, b) => ({
      image: e.input.image, promptIds: this.encodePrompt(e.input), inputResponseIds: responses[b]!.slice(0, -1),
    }));
    const layout = layoutRows(rows, c);
    const { batch: B, length: L } = layout;
    const R = Math.max(1, maxOf(responses.map((r) => r.length)));
    // Packed order: row b's real columns pads[b] .. L - 1.
    const rowStart = new Int32Array(B + 1);
    for (let b = 0; b < B; b++) rowStart[b + 1] = rowStart[b]! + L - layout.pads[b]!;
    const N = rowStart[B]!;
    const embedIndex = new Int32Array(N), positions = new Int32Array(N);
    for (let b = 0; b < B; b++) {
      const pad = layout.pads[b]!;
      for (let col = pad; col < L; col++) {
        embedIndex[rowStart[b]! + col - pad] = layout.embedIndex[b * L + col]!;
        positions[rowStart[b]! + col - pad] = col - pad;
      }
    }
    let M = 0;
    for (const r of responses) M += r.length;
    const at = new Int32Array(M), targets = new Int32Array(M), slot = new Int32Array(M);
    let k = 0;
    responses.forEach((r, b) => r.forEach((id, i) => {
      at[k] = rowStart[b]! + layout.respColumn[b]! - layout.pads[b]! + i;
      targets[k] = id;
      slot[k++] = b * R + i;
    }));
    const maskValues = new Float32Array(B * R);
    for (let i = 0; i < M; i++) maskValues[slot[i]!] = 1;
    const packed = {
      rowStart,
      freeKeys: this.slopes && !alibiOnImage(c) ? layout.imageTokens.slice() : new Int32Array(B),
      slopes: this.slopes ?? new Float32Array(c.nHeads),
    };
    return tf.tidy(() => {
      const table = layout.images ? tf.concat([this.w('tok_emb'), this.encodeImages(layout)], 0) : this.w('tok_emb');
      let h: tf.Tensor2D = gatherRows(table as tf.Tensor2D, embedIndex);
      if (!this.slopes) h = tf.add(h, gatherRows(this.w('pos_emb') as tf.Tensor2D, positions));
      const lin = (x: tf.Tensor2D, w: string, bias: string) => tf.fused.matMul({ a: x, b: this.w(w) as tf.Tensor2D, bias: this.w(bias) }) as tf.Tensor2D;
      for (let l = 0; l < c.nLayers; l++) {
        const p = `h${l}.`;
        const a = layerNormOp(h, this.w(p + 'ln1_g'), this.w(p + 'ln1_b'));
        let mixed = attentionOp(lin(a, p + 'qkv_w', p + 'qkv_b'), packed, c.nHeads);
        // In the last layer only the positions that predict a response token go on (the
        // others only gave their keys and values): the rest of the stack runs on M rows.
        if (l === c.nLayers - 1) { h = gatherRows(h, at); mixed = gatherRows(mixed, at); }
        h = tf.add(h, lin(mixed, p + 'out_w', p + 'out_b'));
        const m = layerNormOp(h, this.w(p + 'ln2_g'), this.w(p + 'ln2_b'));
        h = tf.add(h, lin(geluOp(lin(m, p + 'ff1_w', p + 'ff1_b')), p + 'ff2_w', p + 'ff2_b'));
      }
      const hr = layerNormOp(h, this.w('lnf_g'), this.w('lnf_b'));
      const lpEnt = tokenLogProbsOp(this.head(hr), targets, temperature);
      const both = scatterColumnsOp(lpEnt, slot, B * R);
      const out: ResponseScores = {
        logProbs: both.slice([0, 0], [1, B * R]).reshape([B, R]) as tf.Tensor2D,
        mask: tf.tensor2d(maskValues, [B, R]),
      };
      if (entropy) out.entropy = both.slice([1, 0], [1, B * R]).reshape([B, R]) as tf.Tensor2D;
      return out as unknown as tf.TensorContainer;
    }) as unknown as ResponseScores;
  }

  /**
   * Host-side log-probs of each response's tokens (no gradients), e.g. for a reference
   * policy or DPO's frozen scores. By default through the fused generation decoder (one
   * prefill of each whole sequence, logits only at the response positions, no tfjs): the
   * same values as `responseLogProbs` to float rounding, without its tensors.
   */
  async scoreResponses(examples: readonly ScoredExample[], options: ScoreOptions = {}): Promise<number[][]> {
    this.checkAlive();
    const t = options.temperature ?? 1;
    if (!(t > 0)) throw new ModelError(`scoring temperature must be > 0, got ${t}`);
    const fromEnv = process.env.LMM_GYM_SCORE?.trim() as GenerationEngine | undefined;
    const requested = options.engine ?? (fromEnv || undefined);
    if (requested !== undefined && !ENGINES.includes(requested)) throw new ModelError(`unknown scoring engine ${JSON.stringify(requested)}${options.engine ? '' : ' (from LMM_GYM_SCORE)'}; expected one of ${ENGINES.join(', ')}`);
    const engine = requested === 'tfjs' ? 'tfjs' : resolveEngine(requested ?? 'auto');
    if (engine !== 'tfjs') return this.scoreFused(examples, t, engine);
    const s = this.responseLogProbs(examples, { temperature: t });
    const values = await s.logProbs.array();
    s.logProbs.dispose(); s.mask.dispose();
    throwPendingBackendError();
    return examples.map((e, b) => values[b]!.slice(0, this.responseIds(e.response).length));
  }

  /** `scoreResponses` on the fused decoder: rows in chunks of at most PREFILL_TOKENS tokens, each prefilled once. */
  private scoreFused(examples: readonly ScoredExample[], temperature: number, engine: FusedEngine): number[][] {
    const c = this.config, V = c.vocabSize, d = c.dModel;
    const responses = examples.map((e) => this.responseIds(e.response));
    const rows: LayoutRow[] = examples.map((e, b) => ({
      image: e.input.image, promptIds: this.encodePrompt(e.input), inputResponseIds: responses[b]!.slice(0, -1),
    }));
    const out: number[][] = responses.map(() => []);
    if (rows.length === 0) return out;
    const lengths = rowLengths(rows, c);
    const W = this.packedWeights(), te = tokEmbOffset({ nLayers: c.nLayers, d, F: c.dFF });
    const slopes = this.slopes ?? new Float32Array(c.nHeads);
    const posEmb = this.slopes ? null : (this.w('pos_emb').dataSync() as Float32Array);
    const freeImage = !!this.slopes && !alibiOnImage(c);
    const addon = trainAddon();
    const invT = 1 / temperature;
    for (let u = 0; u < rows.length;) {
      let end = u, tokens = 0;
      while (end < rows.length && (end === u || tokens + lengths[end]! <= PREFILL_TOKENS)) tokens += lengths[end++]!;
      const layout = layoutRows(rows.slice(u, end), c);
      const B = end - u, L = layout.length;
      let M = 0;
      for (let b = u; b < end; b++) M += responses[b]!.length;
      if (M === 0) { u = end; continue; }
      let vis: Float32Array | null = null;
      if (layout.images) {
        const t = tf.tidy(() => this.encodeImages(layout));
        vis = (t.dataSync() as Float32Array).slice();
        t.dispose();
      }
      const cache = new KvCache({ nLayers: c.nLayers, d, H: c.nHeads, F: c.dFF, V, Smax: L, B });
      const x = new Float32Array(tokens * d), rowOf = new Int32Array(tokens), outRows = new Int32Array(M), targets = new Int32Array(M);
      let i = 0, m = 0;
      for (let k = 0; k < B; k++) {
        const pad = layout.pads[k]!, resp = responses[u + k]!;
        cache.free[k] = freeImage ? layout.imageTokens[k]! : 0;
        const first = i + layout.respColumn[k]! - pad;
        for (let col = pad; col < L; col++, i++) {
          const idx = layout.embedIndex[k * L + col]!;
          if (idx < V) x.set(W.subarray(te + idx * d, te + (idx + 1) * d), i * d);
          else x.set(vis!.subarray((idx - V) * d, (idx - V + 1) * d), i * d);
          if (posEmb) for (let j = 0, o = (col - pad) * d; j < d; j++) x[i * d + j] += posEmb[o + j]!;
          rowOf[i] = k;
        }
        for (let r = 0; r < resp.length; r++) { outRows[m] = first + r; targets[m++] = resp[r]!; }
      }
      const logits = new Float32Array(M * V);
      fusedForward(engine, W, slopes, cache, x, rowOf, outRows, logits, 1);
      const lp = new Float32Array(M);
      if (addon) addon.tokenLogProbs(V, logits, targets, invT, lp, new Float32Array(M));
      else {
        for (let r = 0; r < M; r++) {
          let mx = -Infinity;
          for (let v = 0; v < V; v++) mx = Math.max(mx, logits[r * V + v]! * invT);
          let sum = 0;
          for (let v = 0; v < V; v++) sum += Math.exp(logits[r * V + v]! * invT - mx);
          lp[r] = logits[r * V + targets[r]!]! * invT - mx - Math.log(sum);
        }
      }
      m = 0;
      for (let k = 0; k < B; k++) for (let r = 0; r < responses[u + k]!.length; r++) out[u + k]!.push(lp[m++]!);
      u = end;
    }
    return out;
  }

  /**
   * Mean negative log-likelihood per response token (the SFT loss), differentiable. With
   * `entropyBonus` B > 0 (a confidence penalty) the mean of NLL - B x the entropy of the
   * predicted distribution at each response token.
   */
  nll(examples: readonly ScoredExample[], options: { engine?: TrainEngine; entropyBonus?: number } = {}): tf.Scalar {
    const bonus = options.entropyBonus ?? 0;
    return tf.tidy(() => {
      const { logProbs, mask, entropy } = this.responseLogProbs(examples, { engine: options.engine, entropy: bonus > 0 });
      const loss = entropy ? tf.sub(tf.neg(tf.sum(logProbs)), tf.mul(bonus, tf.sum(entropy))) : tf.neg(tf.sum(logProbs));
      return tf.div(loss, tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    });
  }

  /**
   * One optimizer step on `lossFn` (which builds a scalar from `responseLogProbs` etc.):
   * gradients of every trainable weight, global-norm clipping, `optimizer.applyGradients`.
   * With a list of loss functions the step is on their sum, one forward/backward pass each
   * with the gradients added up in between (gradient accumulation: the memory of one part,
   * not of the whole batch). All intermediate tensors are released; returns the loss and
   * the gradient norm.
   */
  trainStep(lossFn: (() => tf.Scalar) | readonly (() => tf.Scalar)[], optimizer: tf.Optimizer, options: TrainStepOptions = {}): TrainStepResult {
    return readSync(this.trainStepReads(lossFn, optimizer, options), 'trainStepAsync');
  }

  /** `trainStep` with an asynchronous read of the loss and gradient norm: works on every backend (webgpu too). */
  trainStepAsync(lossFn: (() => tf.Scalar) | readonly (() => tf.Scalar)[], optimizer: tf.Optimizer, options: TrainStepOptions = {}): Promise<TrainStepResult> {
    return readAsync(this.trainStepReads(lossFn, optimizer, options));
  }

  /**
   * The one implementation of `trainStep`, as a generator of the tensors it reads (one:
   * [loss, gradient norm], read before the optimizer step so that a non-finite one skips
   * it). For callers that build their own update around it (`yield*` it); see reads.ts.
   */
  *trainStepReads(lossFn: (() => tf.Scalar) | readonly (() => tf.Scalar)[], optimizer: tf.Optimizer, options: TrainStepOptions = {}): Reads<TrainStepResult> {
    this.checkAlive();
    if (!this.trainable) throw new ModelError('this model is frozen (trainable = false); clone(true) for a trainable copy');
    const clip = options.clipNorm ?? 1;
    const parts = typeof lossFn === 'function' ? [lossFn] : lossFn;
    if (parts.length === 0) throw new ModelError('trainStep needs at least one loss function');
    const grads: Record<string, tf.Tensor> = {};
    const losses: tf.Tensor[] = [];
    for (const part of parts) {
      const r = tf.variableGrads(part, this.variables);
      losses.push(r.value);
      for (const [name, g] of Object.entries(r.grads)) {
        const prev = grads[name];
        if (!prev) { grads[name] = g; continue; }
        grads[name] = tf.add(prev, g);
        prev.dispose(); g.dispose();
      }
    }
    const present = Object.values(grads);
    // Pairwise adds, not tf.addN: WebGPU's AddN binds every input at once, past the
    // 8-storage-buffer limit for a model's ~30 gradients (its pipeline fails, yielding zeros).
    const total = (ts: tf.Tensor[]) => ts.reduce((a, b) => tf.add(a, b));
    const read = tf.tidy(() => tf.stack([total(losses), tf.sqrt(total(present.map((g) => tf.sum(tf.square(g)))))]));
    tf.dispose(losses);
    let values: ArrayLike<number> | null = null;
    try {
      values = yield read;
    } finally {
      read.dispose();
      if (!values) tf.dispose(present); // the driver's read failed: nothing leaks
    }
    const loss = values[0]!, gradNorm = values[1]!;
    if (!Number.isFinite(gradNorm) || !Number.isFinite(loss)) {
      tf.dispose(present);
      throw new ModelError(`non-finite loss (${loss}) or gradient norm (${gradNorm}); the step was skipped`);
    }
    const k = clip > 0 && gradNorm > clip ? clip / gradNorm : 1;
    // Every variable, as a list in one fixed order, with null where the loss does not reach
    // it (the vision weights on a text-only batch): tf's Adam keeps its moments by position
    // in this list and skips null gradients, so positions must never shift.
    const list = this.variables.map((v) => {
      const g = grads[v.name];
      return { name: v.name, tensor: g ? (k === 1 ? g : tf.mul(g, k)) : null };
    });
    optimizer.applyGradients(list as unknown as tf.NamedTensorMap);
    if (k !== 1) tf.dispose(present);
    tf.dispose(list.map((e) => e.tensor).filter((g): g is tf.Tensor => !!g));
    return { loss, gradNorm };
  }

  /**
   * Sample responses for a batch of inputs with a KV cache: one prefill over the prompts,
   * then one decoder call per token. Deterministic per seed. Inputs that are the same
   * (prompt and image pixels, e.g. the G samples of a group) share one prefill.
   */
  async generate(inputs: readonly ModelInput[], options: GenerationOptions = {}): Promise<Generation[]> {
    this.checkAlive();
    const maxTokens = options.maxTokens ?? 64, temperature = options.temperature ?? 1, topP = options.topP ?? 1;
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 0) throw new ModelError(`maxTokens must be a non-negative integer, got ${maxTokens}`);
    if (!(temperature >= 0)) throw new ModelError(`temperature must be >= 0, got ${temperature}`);
    if (!(topP > 0 && topP <= 1)) throw new ModelError(`topP must be in (0, 1], got ${topP}`);
    const engine = resolveEngine(options.engine);
    const threads = options.threads ?? Number(process.env.LMM_GYM_GENERATE_THREADS || 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new ModelError(`generation threads must be an integer in 1..256, got ${threads}`);
    const run: GenerationRun = {
      maxTokens, temperature, topP,
      rng: options.rng ?? new Rng(options.seed),
      stops: (options.stop ?? ['</answer>']).map((s) => new TextEncoder().encode(s)).filter((s) => s.length > 0),
      onLogits: options.onLogits,
    };
    const out = engine === 'tfjs' ? await this.generateTfjs(inputs, run) : this.generateFused(inputs, run, engine, threads);
    throwPendingBackendError();
    for (const g of out) g.text = this.tokenizer.decode(g.tokenIds);
    return out;
  }

  /** The decoder weights packed for the fused engines (re-packed when a variable changed). */
  private packedWeights(): Float32Array {
    const c = this.config;
    const names = [...Array.from({ length: c.nLayers }, (_, l) => FUSED_LAYER_WEIGHTS.map((w) => `h${l}.${w}`)).flat(), 'lnf_g', 'lnf_b', 'tok_emb'];
    const from = names.map((n) => this.w(n).dataId as unknown);
    if (this.packed && from.every((id, i) => id === this.packed!.from[i])) return this.packed.W;
    const W = packWeights(c, (n) => this.w(n).dataSync() as Float32Array);
    this.packed = { from, W };
    return W;
  }

  /**
   * Generation on the fused decoder: prefill of the distinct prompts (no padding), their
   * caches copied to the rows that repeat them, then one fused call per token over the
   * rows still going. Samples exactly as the tfjs path (same Rng draws in the same order).
   */
  private generateFused(inputs: readonly ModelInput[], run: GenerationRun, engine: FusedEngine, threads: number): Generation[] {
    const c = this.config, V = c.vocabSize, d = c.dModel, B = inputs.length;
    const rows: LayoutRow[] = inputs.map((i) => ({ image: i.image, promptIds: this.encodePrompt(i) }));
    if (B === 0) throw new ModelError('a model batch needs at least one row');
    const lengths = rowLengths(rows, c);
    // Distinct inputs: firstOf[b] is the first row with the same prompt and image.
    const firstOf = new Int32Array(B), uniq: number[] = [], byPrompt = new Map<string, number[]>();
    for (let b = 0; b < B; b++) {
      const seen = byPrompt.get(inputs[b]!.prompt) ?? [];
      const same = seen.find((u) => sameImage(inputs[u]!.image, inputs[b]!.image));
      if (same !== undefined) { firstOf[b] = same; continue; }
      firstOf[b] = b; uniq.push(b); seen.push(b); byPrompt.set(inputs[b]!.prompt, seen);
    }
    const layout = layoutRows(uniq.map((b) => rows[b]!), c);
    const out: Generation[] = inputs.map(() => ({ text: '', tokenIds: [], logProbs: [], finishReason: 'length' }));
    if (run.maxTokens === 0) return out;

    const W = this.packedWeights(), te = tokEmbOffset({ nLayers: c.nLayers, d, F: c.dFF });
    const slopes = this.slopes ?? new Float32Array(c.nHeads);
    const posEmb = this.slopes ? null : (this.w('pos_emb').dataSync() as Float32Array);
    const Smax = Math.min(c.maxSeq, maxOf(lengths) + run.maxTokens - 1);
    const cache = new KvCache({ nLayers: c.nLayers, d, H: c.nHeads, F: c.dFF, V, Smax, B });
    const freeImage = !!this.slopes && !alibiOnImage(c);
    let vis: Float32Array | null = null;
    if (layout.images) {
      const t = tf.tidy(() => this.encodeImages(layout));
      vis = (t.dataSync() as Float32Array).slice();
      t.dispose();
    }
    // Row x[i] = the embedding of token/visual index `idx` at position `p`.
    const embedInto = (x: Float32Array, i: number, idx: number, p: number) => {
      if (idx < V) x.set(W.subarray(te + idx * d, te + (idx + 1) * d), i * d);
      else x.set(vis!.subarray((idx - V) * d, (idx - V + 1) * d), i * d);
      if (posEmb) for (let j = 0, o = Math.min(p, c.maxSeq - 1) * d; j < d; j++) x[i * d + j] += posEmb[o + j]!;
    };
    const full = new Float32Array(B * V);
    const L = layout.length;
    for (let u = 0; u < uniq.length;) {
      let end = u, tokens = 0;
      while (end < uniq.length && (end === u || tokens + L - layout.pads[end]! <= PREFILL_TOKENS)) tokens += L - layout.pads[end++]!;
      const x = new Float32Array(tokens * d), rowOf = new Int32Array(tokens), outRows = new Int32Array(end - u);
      let i = 0;
      for (let k = u; k < end; k++) {
        const b = uniq[k]!, pad = layout.pads[k]!;
        cache.free[b] = freeImage ? layout.imageTokens[k]! : 0;
        for (let col = pad; col < L; col++, i++) {
          embedInto(x, i, layout.embedIndex[k * L + col]!, col - pad);
          rowOf[i] = b;
        }
        outRows[k - u] = i - 1;
      }
      const logits = new Float32Array((end - u) * V);
      fusedForward(engine, W, slopes, cache, x, rowOf, outRows, logits, threads);
      for (let k = u; k < end; k++) full.set(logits.subarray((k - u) * V, (k - u + 1) * V), uniq[k]! * V);
      u = end;
    }
    for (let b = 0; b < B; b++) {
      if (firstOf[b] === b) continue;
      cache.copyRow(firstOf[b]!, b);
      full.copyWithin(b * V, firstOf[b]! * V, (firstOf[b]! + 1) * V);
    }

    const done = new Array<boolean>(B).fill(false);
    const nextPos = lengths.slice();
    const sampler = new Sampler(V);
    const next = new Int32Array(B), x = new Float32Array(B * d), logits = new Float32Array(B * V);
    const ids = Int32Array.from({ length: B }, (_, k) => k);
    for (let step = 0; step < run.maxTokens; step++) {
      this.sampleStep(step, full, run, sampler, done, nextPos, next, out);
      if (done.every(Boolean) || step === run.maxTokens - 1) break;
      const active: number[] = [];
      for (let b = 0; b < B; b++) if (!done[b]) active.push(b);
      active.forEach((b, k) => embedInto(x, k, next[b]!, nextPos[b]!));
      fusedForward(engine, W, slopes, cache, x, Int32Array.from(active), ids.subarray(0, active.length), logits, threads);
      active.forEach((b, k) => full.set(logits.subarray(k * V, (k + 1) * V), b * V));
      for (let b = 0; b < B; b++) nextPos[b]!++;
    }
    return out;
  }

  /**
   * One sampling step over the rows still going (logits [B * V]): the context check, the
   * draw, stop/eos. Writes each row's token into `next` (PAD for finished rows).
   */
  private sampleStep(step: number, logits: Float32Array, run: GenerationRun, sampler: Sampler, done: boolean[], nextPos: number[], next: Int32Array, out: Generation[]): void {
    const V = this.config.vocabSize;
    run.onLogits?.(step, logits.slice());
    next.fill(PAD);
    for (let b = 0; b < done.length; b++) {
      if (done[b]) continue;
      if (nextPos[b]! >= this.config.maxSeq) { done[b] = true; out[b]!.finishReason = 'context'; continue; }
      const { id, logProb } = sampler.sample(logits, b * V, { temperature: run.temperature, topP: run.topP }, run.rng);
      const g = out[b]!;
      g.tokenIds.push(id); g.logProbs.push(logProb);
      next[b] = id;
      if (id === EOS) { done[b] = true; g.finishReason = 'eos'; } else if (this.endsWithStop(g.tokenIds, run.stops)) { done[b] = true; g.finishReason = 'stop'; }
    }
  }

  /** Generation on the per-op tfjs path (engine 'tfjs'): the reference the fused engines are tested against. */
  private async generateTfjs(inputs: readonly ModelInput[], run: GenerationRun): Promise<Generation[]> {
    const c = this.config, V = c.vocabSize, maxTokens = run.maxTokens;
    const layout = layoutRows(inputs.map((i) => ({ image: i.image, promptIds: this.encodePrompt(i) })), c);
    const { batch: B, length: L, pads } = layout;
    const out: Generation[] = inputs.map(() => ({ text: '', tokenIds: [], logProbs: [], finishReason: 'length' }));
    const done = new Array<boolean>(B).fill(false);
    const nextPos = Array.from({ length: B }, (_, b) => L - pads[b]!);
    const sampler = new Sampler(V);

    let { logits, cache } = tf.tidy(() => {
      const r = this.decode(this.embed(layout), this.mask(layout, L, L), null);
      const last = r.hidden.slice([0, L - 1, 0], [B, 1, c.dModel]).reshape([B, c.dModel]) as tf.Tensor2D;
      return { logits: this.head(last), cache: r.cache } as unknown as tf.TensorContainer;
    }) as unknown as { logits: tf.Tensor2D; cache: Cache };
    try {
      const next = new Int32Array(B);
      for (let step = 0; step < maxTokens; step++) {
        this.sampleStep(step, (await logits.data()) as Float32Array, run, sampler, done, nextPos, next, out);
        if (done.every(Boolean) || step === maxTokens - 1) break;
        const S = cache[0]!.k.shape[2] + 1;
        const stepped = tf.tidy(() => {
          const positions = new Int32Array(B);
          for (let b = 0; b < B; b++) positions[b] = Math.min(nextPos[b]!, c.maxSeq - 1);
          const tok = tf.gather(this.w('tok_emb'), tf.tensor1d(next, 'int32'));
          const x = (this.slopes ? tok : tf.add(tok, tf.gather(this.w('pos_emb'), tf.tensor1d(positions, 'int32'))))
            .reshape([B, 1, c.dModel]) as tf.Tensor3D;
          const r = this.decode(x, this.mask(layout, 1, S), cache);
          return { logits: this.head(r.hidden.reshape([B, c.dModel])), cache: r.cache } as unknown as tf.TensorContainer;
        }) as unknown as { logits: tf.Tensor2D; cache: Cache };
        logits.dispose();
        disposeCache(cache);
        ({ logits, cache } = stepped);
        for (let b = 0; b < B; b++) nextPos[b]!++;
      }
    } finally {
      logits.dispose();
      disposeCache(cache);
    }
    return out;
  }

  private endsWithStop(ids: readonly number[], stops: readonly Uint8Array[]): boolean {
    if (!stops.length) return false;
    const longest = maxOf(stops.map((s) => s.length));
    const tail = this.tokenizer.bytesOf(ids.slice(-longest)); // each token is >= 1 byte
    return stops.some((s) => s.length <= tail.length && s.every((v, i) => tail[tail.length - s.length + i] === v));
  }
}

interface GenerationRun {
  maxTokens: number;
  temperature: number;
  topP: number;
  rng: Rng;
  stops: Uint8Array[];
  onLogits: GenerationOptions['onLogits'];
}

function resolveTrainEngine(requested: TrainEngine | undefined): 'fused' | 'tfjs' {
  const fromEnv = process.env.LMM_GYM_TRAIN_ENGINE?.trim();
  const e = (requested ?? (fromEnv || 'auto')) as TrainEngine;
  if (!TRAIN_ENGINES.includes(e)) throw new ModelError(`unknown training engine ${JSON.stringify(e)}${requested ? '' : ' (from LMM_GYM_TRAIN_ENGINE)'}; expected one of ${TRAIN_ENGINES.join(', ')}`);
  // auto: fused on the cpu backend only (elsewhere the per-op path runs on that backend's
  // own kernels, and the ops would copy every tensor out and back).
  if (e === 'auto') return trainOpsAvailable() && tf.getBackend() === 'cpu' ? 'fused' : 'tfjs';
  if (e === 'fused' && !trainOpsAvailable()) throw new ModelError("training engine 'fused' requested, but the native addon with the training kernels is not loaded (build native/tfjs-openblas; LMM_GYM_NATIVE=0 turns it off)");
  return e;
}

function resolveEngine(requested: GenerationEngine | undefined): FusedEngine | 'tfjs' {
  const fromEnv = process.env.LMM_GYM_GENERATE?.trim();
  const e = (requested ?? (fromEnv || 'auto')) as GenerationEngine;
  if (!ENGINES.includes(e)) throw new ModelError(`unknown generation engine ${JSON.stringify(e)}${requested ? '' : ' (from LMM_GYM_GENERATE)'}; expected one of ${ENGINES.join(', ')}`);
  // auto: the fused decoders on the cpu backend only; they read every weight on the host,
  // synchronously, which a GPU backend (webgpu) cannot do, so there the per-op path runs.
  if (e === 'auto') return tf.getBackend() !== 'cpu' ? 'tfjs' : fusedAddon() ? 'native' : 'js';
  if (e === 'native' && !fusedAddon()) throw new ModelError("generation engine 'native' requested, but the native addon with the fused decoder is not loaded (build native/tfjs-openblas; LMM_GYM_NATIVE=0 turns it off)");
  return e;
}

/** Same image: both absent, the same frame, or equal size and pixels. */
function sameImage(a: ModelInput['image'], b: ModelInput['image']): boolean {
  if (!a || !b) return !a && !b;
  if (a === b) return true;
  if (!isFrame(a) || !isFrame(b)) return false; // layoutRows reports the bad one
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return false;
  return Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) === 0;
}

function disposeCache(cache: Cache): void {
  for (const { k, v } of cache) { k.dispose(); v.dispose(); }
}
