import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../envs/core/rng.js';
import type { LmmModel, ScoredExample } from '../../agents/model/model.js';
import { visualTokens } from '../../agents/model/config.js';
import { createAdam } from '../../agents/model/backend.js';
import { saveLinePlot, smoothEma } from '../metrics/plot.js';
import { ProgressBar } from '../metrics/progress.js';
import type { SftExample } from './types.js';

export interface PrimeOptions {
  /** Optimizer steps (default: `epochs` passes over the examples). */
  steps?: number;
  /** Passes over the examples when `steps` is not given (default 3). */
  epochs?: number;
  batchSize?: number;
  /** Peak Adam learning rate (default 1e-3), reached after `warmupSteps`, then cosine decay to 10%. */
  learningRate?: number;
  warmupSteps?: number;
  clipNorm?: number;
  /** Shuffling seed (default 0). */
  seed?: number;
  /** Progress line on stderr (default true). */
  progress?: boolean;
  /** Write the loss curve PNG here at the end. */
  lossCurvePath?: string;
  /** Called after every step (awaited when it returns a promise, e.g. to save a checkpoint). */
  onStep?: (s: { step: number; loss: number; gradNorm: number; tokens: number; learningRate: number }) => void | Promise<void>;
  /**
   * Continue a run stopped after this many steps (default 0): the shuffles and the learning
   * rate schedule of the skipped steps are replayed without touching the model, so steps
   * startStep.. are exactly those of an uninterrupted run (with the same weights and optimizer).
   */
  startStep?: number;
  /** Reuse an optimizer (e.g. to continue priming); default a new Adam (`createAdam`: native when available). */
  optimizer?: tf.Optimizer;
  /**
   * Confidence penalty (default 0): the loss is the mean NLL minus this times the mean
   * entropy of the predicted distribution at each response token, so the model keeps some
   * probability off its top token (Pereyra et al. 2017; a sharp start policy is what bounds
   * the RL step, docs/notes/issue-12.md). The step's reported loss includes the bonus.
   */
  entropyBonus?: number;
}

export interface PrimeResult {
  steps: number;
  /** Loss (mean NLL per response token) of every step. */
  losses: number[];
  /** Response tokens trained on. */
  tokens: number;
  seconds: number;
  /** Examples dropped because they do not fit the model's context. */
  skipped: number;
}

/** The model-side view of an SFT example. */
export function toScoredExample(e: SftExample): ScoredExample {
  return { input: { prompt: e.prompt, image: e.image ?? null }, response: e.response };
}

/**
 * What an SFT example takes in `model`'s context: `length` = visual tokens + 2 control
 * tokens + prompt + response - 1 (it fits when length <= maxSeq), `responseTokens` the
 * tokens trained on.
 */
export function sftExampleSize(model: Pick<LmmModel, 'config' | 'tokenizer'>, e: SftExample): { length: number; responseTokens: number } {
  const tok = model.tokenizer, responseTokens = tok.encode(e.response).length;
  return { length: (e.image ? visualTokens(model.config) : 0) + 2 + tok.encode(e.prompt).length + responseTokens - 1, responseTokens };
}

/** Learning rate of step `s`: linear warmup, then cosine to 10% of the peak at `total`. */
export function primingLearningRate(s: number, total: number, peak: number, warmup: number): number {
  if (s < warmup) return peak * (s + 1) / warmup;
  const t = total > warmup ? (s - warmup) / (total - warmup) : 1;
  return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t))));
}

/**
 * Supervised priming: minimise the NLL of each example's response given its prompt (and
 * frame), in shuffled mini-batches, with Adam, warmup + cosine decay and gradient clipping.
 * Examples longer than the model's context are skipped (counted in the result).
 */
export async function primeModel(model: LmmModel, examples: readonly SftExample[], options: PrimeOptions = {}): Promise<PrimeResult> {
  const c = model.config;
  const sized = examples.map((e) => { const z = sftExampleSize(model, e); return { e, tokens: z.responseTokens, length: z.length }; });
  const fits = sized.filter((s) => s.length <= c.maxSeq && s.tokens > 0);
  if (fits.length === 0) throw new RangeError(`no SFT example fits the model's context of ${c.maxSeq} tokens (${examples.length} given)`);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 16, fits.length));
  const perEpoch = Math.ceil(fits.length / batchSize);
  const total = options.steps ?? perEpoch * (options.epochs ?? 3);
  const peak = options.learningRate ?? 1e-3, warmup = options.warmupSteps ?? Math.min(20, Math.ceil(total / 10));
  const optimizer = options.optimizer ?? await createAdam(peak);
  const bonus = options.entropyBonus ?? 0;
  if (!(bonus >= 0) || !Number.isFinite(bonus)) throw new RangeError(`entropyBonus must be a finite number >= 0, got ${bonus}`);
  const rng = new Rng(options.seed ?? 0);
  const bar = options.progress === false ? null : new ProgressBar('priming', total, { minIntervalMs: 10_000 });
  const losses: number[] = [];
  let order: number[] = [], cursor = 0, tokens = 0;
  const started = performance.now();
  const startStep = options.startStep ?? 0;
  for (let step = 0; step < total; step++) {
    if (cursor + batchSize > order.length) { order = rng.shuffle(fits.map((_, i) => i)); cursor = 0; }
    const batch = order.slice(cursor, cursor + batchSize).map((i) => fits[i]!);
    cursor += batchSize;
    if (step < startStep) continue;
    const lr = primingLearningRate(step, total, peak, warmup);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    const scored = batch.map((b) => toScoredExample(b.e));
    const r = await model.trainStepAsync(() => model.nll(scored, { entropyBonus: bonus }), optimizer, { clipNorm: options.clipNorm ?? 1 });
    const n = batch.reduce((a, b) => a + b.tokens, 0);
    tokens += n;
    losses.push(r.loss);
    await options.onStep?.({ step, loss: r.loss, gradNorm: r.gradNorm, tokens: n, learningRate: lr });
    const secs = (performance.now() - started) / 1000;
    bar?.update(step + 1, `loss ${r.loss.toFixed(3)} ${(tokens / secs).toFixed(0)} tok/s`, startStep);
    if (step % 4 === 3) await new Promise((res) => setImmediate(res)); // let signals and I/O through
  }
  if (!options.optimizer) optimizer.dispose();
  if (options.lossCurvePath) await saveLossCurve(options.lossCurvePath, losses);
  return { steps: total, losses, tokens, seconds: (performance.now() - started) / 1000, skipped: examples.length - fits.length };
}

/** Draw a loss curve (raw and smoothed) to PNG. */
export async function saveLossCurve(path: string, losses: readonly number[], title = 'priming (SFT) loss'): Promise<void> {
  const raw = losses.map((y, x) => [x + 1, y] as [number, number]);
  await saveLinePlot(path, {
    title, xLabel: 'step', yLabel: 'NLL per response token',
    series: [
      { label: 'loss', points: raw, color: '#9ecae1' },
      { label: 'EMA 0.1', points: smoothEma(raw, 0.1), color: '#1f77b4' },
    ],
  });
}
