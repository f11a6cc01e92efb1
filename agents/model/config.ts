import { limitMessage } from '../../envs/core/limits.js';
import { ModelError } from './errors.js';

/**
 * Shape of the multimodal model. The vision side cuts the frame (resized to
 * `imageSize` x `imageSize`, RGB) into `patchSize` patches, one visual token each; the
 * decoder is a pre-LN causal transformer with tied embeddings and either ALiBi (linear
 * attention biases by distance, no position embeddings) or learned absolute positions.
 */
export type PositionScheme = 'alibi' | 'learned';

export interface ModelConfig {
  /** Tokens in the vocabulary (set from the tokenizer). */
  vocabSize: number;
  /** Decoder width. */
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Feed-forward hidden width. */
  dFF: number;
  /** Longest sequence (visual tokens + prompt + response). */
  maxSeq: number;
  /** Side of the square image the frame is resized to (pixels). */
  imageSize: number;
  /** Side of one square patch (pixels); imageSize must be a multiple of it. */
  patchSize: number;
  /** Width of the vision encoder before the projector. */
  visionWidth: number;
  /** Std of the normal weight init. */
  initStd: number;
  /**
   * 'alibi' (presets): each head adds -slope * distance to its attention scores, so
   * attending "to the most recent X" is easy at any position (learned absolute positions
   * failed to learn to copy the move named in a variable-length reasoning text).
   * 'learned': a learned position embedding; checkpoints without this field use it.
   */
  positions?: PositionScheme;
  /**
   * With ALiBi: whether visual tokens get the distance penalty too. The image sits at the
   * start of the sequence, so with the penalty the far heads cannot see it once the prompt
   * and reasoning grow (issue 12: perception fell to chance at step-mode lengths, and came
   * back without it). Presets: false (the image is at distance 0 from every query);
   * checkpoints without this field: true (their old behaviour).
   */
  alibiOnImage?: boolean;
}

export type ModelPreset = 'tiny' | 'small';

const PRESETS: Record<ModelPreset, Omit<ModelConfig, 'vocabSize'>> = {
  // Tests: a forward pass is a few milliseconds.
  tiny: { dModel: 32, nLayers: 2, nHeads: 2, dFF: 64, maxSeq: 160, imageSize: 16, patchSize: 8, visionWidth: 32, initStd: 0.02, positions: 'alibi', alibiOnImage: false },
  // Real runs on 2 CPU cores: ~0.7 M parameters; a 6x6 Sokoban frame becomes 36 visual
  // tokens (one 8x8 patch per tile at 48x48).
  small: { dModel: 128, nLayers: 3, nHeads: 4, dFF: 512, maxSeq: 320, imageSize: 48, patchSize: 8, visionWidth: 64, initStd: 0.02, positions: 'alibi', alibiOnImage: false },
};

/** Fields of ModelConfig, in order (overrides may set any but vocabSize, which comes from the tokenizer). */
export const MODEL_CONFIG_FIELDS = ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'dFF', 'maxSeq', 'imageSize', 'patchSize', 'visionWidth', 'initStd', 'positions', 'alibiOnImage'] as const satisfies readonly (keyof ModelConfig)[];

/**
 * Upper bounds of the model's sizes, checked before any tensor is made: a config over one
 * is a ModelError naming the field and the limit. `parameters` bounds parameterCount (2^28:
 * 1 GiB of float32 weights, 3 GiB with Adam's moments); `attentionScores` bounds
 * maxSeq^2 x nHeads (the attention scores of one sequence in one layer, 1 GiB of float32).
 */
export const MODEL_LIMITS = {
  vocabSize: 1 << 20,
  dModel: 8192,
  nLayers: 256,
  nHeads: 256,
  dFF: 65536,
  maxSeq: 32768,
  imageSize: 2048,
  patchSize: 2048,
  visionWidth: 8192,
  parameters: 1 << 28,
  attentionScores: 1 << 28,
} as const;

/** A preset config (with the vocabulary size of your tokenizer), optionally overridden. */
export function modelConfig(preset: ModelPreset, vocabSize: number, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const base = PRESETS[preset];
  if (!base) throw new ModelError(`unknown model preset ${JSON.stringify(preset)}; expected one of ${Object.keys(PRESETS).join(', ')}`);
  for (const k of Object.keys(overrides ?? {})) {
    if (k === 'vocabSize' || !(MODEL_CONFIG_FIELDS as readonly string[]).includes(k)) {
      throw new ModelError(`unknown model config override ${JSON.stringify(k)}; expected one of ${MODEL_CONFIG_FIELDS.filter((f) => f !== 'vocabSize').join(', ')}`, k);
    }
  }
  return validateConfig({ ...base, vocabSize, ...overrides });
}

/** Throw a ModelError (with `field`) unless every field is a sensible positive value within MODEL_LIMITS. */
export function validateConfig(c: ModelConfig): ModelConfig {
  const ints = ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'dFF', 'maxSeq', 'imageSize', 'patchSize', 'visionWidth'] as const;
  for (const k of ints) {
    const v = c[k] as number;
    if (!Number.isSafeInteger(v) || v <= 0) throw new ModelError(`model config ${k} must be a positive integer, got ${String(v)}`, k);
    if (v > MODEL_LIMITS[k]) throw new ModelError(`model config ${limitMessage(k, v, MODEL_LIMITS[k])}`, k);
  }
  if (c.dModel % c.nHeads !== 0) throw new ModelError(`model config dModel (${c.dModel}) must be a multiple of nHeads (${c.nHeads})`, 'dModel');
  if (c.imageSize % c.patchSize !== 0) throw new ModelError(`model config imageSize (${c.imageSize}) must be a multiple of patchSize (${c.patchSize})`, 'imageSize');
  if (c.positions !== undefined && c.positions !== 'alibi' && c.positions !== 'learned') {
    throw new ModelError(`model config positions must be 'alibi' or 'learned', got ${JSON.stringify(c.positions)}`, 'positions');
  }
  if (c.alibiOnImage !== undefined && typeof c.alibiOnImage !== 'boolean') throw new ModelError(`model config alibiOnImage must be a boolean, got ${JSON.stringify(c.alibiOnImage)}`, 'alibiOnImage');
  if (!(typeof c.initStd === 'number' && c.initStd > 0 && Number.isFinite(c.initStd))) throw new ModelError(`model config initStd must be a finite number > 0, got ${c.initStd}`, 'initStd');
  if (c.maxSeq <= visualTokens(c)) throw new ModelError(`model config maxSeq (${c.maxSeq}) must exceed the ${visualTokens(c)} visual tokens`, 'maxSeq');
  const scores = c.maxSeq * c.maxSeq * c.nHeads;
  if (scores > MODEL_LIMITS.attentionScores) throw new ModelError(`model config ${limitMessage('maxSeq^2 x nHeads (attention scores per sequence)', scores, MODEL_LIMITS.attentionScores)}`, 'maxSeq');
  const params = parameterCount(c);
  if (params > MODEL_LIMITS.parameters) {
    throw new ModelError(`model config ${limitMessage('parameter count', params, MODEL_LIMITS.parameters)} (dModel ${c.dModel}, nLayers ${c.nLayers}, dFF ${c.dFF}, vocabSize ${c.vocabSize}, visionWidth ${c.visionWidth})`);
  }
  return c;
}

/** True when the decoder uses ALiBi instead of learned positions. */
export function usesAlibi(c: ModelConfig): boolean {
  return c.positions === 'alibi';
}

/** True when visual tokens get the ALiBi distance penalty (absent field: true, as old checkpoints were trained). */
export function alibiOnImage(c: ModelConfig): boolean {
  return c.alibiOnImage !== false;
}

/** ALiBi slopes of the heads: the geometric sequence 2^(-8/H), 2^(-16/H), ... (Press et al.). */
export function alibiSlopes(nHeads: number): Float32Array {
  return Float32Array.from({ length: nHeads }, (_, h) => 2 ** (-8 * (h + 1) / nHeads));
}

/** Visual tokens per image. */
export function visualTokens(c: ModelConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Parameter count. */
export function parameterCount(c: ModelConfig): number {
  const d = c.dModel, patchIn = c.patchSize * c.patchSize * 3;
  const vision = patchIn * c.visionWidth + c.visionWidth + visualTokens(c) * c.visionWidth + 2 * c.visionWidth
    + c.visionWidth * d + d + d * d + d;
  const block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * c.dFF + c.dFF) + (c.dFF * d + d);
  return c.vocabSize * d + (usesAlibi(c) ? 0 : c.maxSeq * d) + vision + c.nLayers * block + 2 * d;
}

/**
 * Floating-point operations per token of a forward pass (multiply-add = 2), at an
 * average attention context of `context` tokens: the matrix products (projections,
 * feed-forward, output head) plus the attention scores and mix. A training step costs
 * about 3x this (forward + backward for activations and weights).
 */
export function forwardFlopsPerToken(c: ModelConfig, context: number): number {
  const d = c.dModel;
  const perLayer = 2 * d * 3 * d + 2 * d * d + 2 * 2 * d * c.dFF + 2 * 2 * context * d;
  return c.nLayers * perLayer + 2 * d * c.vocabSize;
}
