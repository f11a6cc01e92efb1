/**
 * Direct Preference Optimization (Rafailov et al., 2023) on (chosen, rejected) pairs, with
 * FuseChat-3.0's length-normalised variant. With L = log pi(y | x) summed over the
 * response tokens (over every turn of a multi-turn sample) and Lref the same under the
 * frozen reference (the model at the start of the stage):
 *
 *   dpo:       h = beta * [(Lc - Lref_c) - (Lr - Lref_r)]
 *   dpo-norm:  h = (beta / |y_c|) * (Lc - Lref_c) - (beta / |y_r|) * (Lr - Lref_r)
 *   loss = -log sigmoid(h) = softplus(-h), averaged over the pairs.
 *
 * The two terms of h are the implicit rewards of the chosen and rejected responses; the
 * metrics are their mean difference (the margin), the share of pairs where the chosen
 * one's is higher (accuracy) and the mean log-probs Lc and Lr.
 *
 * `dpoLossReference` computes it on plain numbers (tests, metrics), `dpoLossTensor` on
 * tensors (differentiable in Lc and Lr), and `dpoStep` takes one optimizer step on a
 * batch of pairs through the model's `responseLogProbs` (the function the RL update
 * scores responses with).
 */
import * as tf from '@tensorflow/tfjs';
import { readAsync, readSync, type Reads } from '../../agents/model/reads.js';
import type { LmmModel, ScoredExample } from '../../agents/model/model.js';
import { visualTokens } from '../../agents/model/config.js';
import type { ModelInput } from '../../agents/model/layout.js';
import { RlInputError } from '../errors.js';
import { scoreSequences } from '../rl/update.js';

import { DPO_LOSSES, type DpoLoss } from './losses.js';

export { DPO_LOSSES, type DpoLoss };

export interface DpoOptions {
  beta: number;
  loss: DpoLoss;
}

/** Sequence log-probs of one pair under the policy and the reference, and the response lengths in tokens. */
export interface DpoPairLogProbs {
  chosen: number;
  rejected: number;
  refChosen: number;
  refRejected: number;
  chosenTokens: number;
  rejectedTokens: number;
}

export interface DpoStats {
  loss: number;
  /** Mean implicit reward margin (chosen - rejected). */
  margin: number;
  chosenReward: number;
  rejectedReward: number;
  /** Share of pairs whose chosen implicit reward is higher. */
  accuracy: number;
  /** Mean sequence log-probs of the chosen and rejected responses under the policy. */
  chosenLogp: number;
  rejectedLogp: number;
  pairs: number;
}

function check(o: DpoOptions): void {
  if (!(o.beta > 0) || !Number.isFinite(o.beta)) throw new RlInputError(`beta must be a finite number > 0, got ${o.beta}`);
  if (!DPO_LOSSES.includes(o.loss)) throw new RlInputError(`loss must be one of ${DPO_LOSSES.join(', ')}, got ${JSON.stringify(o.loss)}`);
}

/** Scale of each log-ratio: beta, or beta / |y| for dpo-norm (|y| at least 1). */
function scale(o: DpoOptions, tokens: number): number {
  return o.loss === 'dpo-norm' ? o.beta / Math.max(1, tokens) : o.beta;
}

/** -log sigmoid(h), stable for large |h|. */
export function softplusNeg(h: number): number {
  return h > 0 ? Math.log1p(Math.exp(-h)) : -h + Math.log1p(Math.exp(h));
}

/** The loss and its statistics on plain numbers (no gradient). */
export function dpoLossReference(pairs: readonly DpoPairLogProbs[], options: DpoOptions): DpoStats {
  check(options);
  const n = pairs.length;
  const s: DpoStats = { loss: 0, margin: 0, chosenReward: 0, rejectedReward: 0, accuracy: 0, chosenLogp: 0, rejectedLogp: 0, pairs: n };
  if (n === 0) return s;
  for (const p of pairs) {
    const rc = scale(options, p.chosenTokens) * (p.chosen - p.refChosen);
    const rr = scale(options, p.rejectedTokens) * (p.rejected - p.refRejected);
    const h = rc - rr;
    s.loss += softplusNeg(h);
    s.margin += h;
    s.chosenReward += rc;
    s.rejectedReward += rr;
    s.accuracy += rc > rr ? 1 : 0;
    s.chosenLogp += p.chosen;
    s.rejectedLogp += p.rejected;
  }
  for (const k of ['loss', 'margin', 'chosenReward', 'rejectedReward', 'accuracy', 'chosenLogp', 'rejectedLogp'] as const) s[k] /= n;
  return s;
}

/** The same loss as a differentiable scalar in `chosen` and `rejected` ([P] sequence log-probs); the rest are constants. */
export function dpoLossTensor(x: { chosen: tf.Tensor1D; rejected: tf.Tensor1D; refChosen: readonly number[]; refRejected: readonly number[]; chosenTokens: readonly number[]; rejectedTokens: readonly number[] }, options: DpoOptions): tf.Scalar {
  check(options);
  return tf.tidy(() => {
    const sc = tf.tensor1d(x.chosenTokens.map((t) => scale(options, t)));
    const sr = tf.tensor1d(x.rejectedTokens.map((t) => scale(options, t)));
    const rc = tf.mul(sc, tf.sub(x.chosen, tf.tensor1d(x.refChosen as number[])));
    const rr = tf.mul(sr, tf.sub(x.rejected, tf.tensor1d(x.refRejected as number[])));
    return tf.mean(tf.softplus(tf.neg(tf.sub(rc, rr)))) as tf.Scalar;
  });
}

/** One side of a pair: its turns (model input + response token ids) and the token count. */
export interface DpoSide {
  turns: { input: ModelInput; tokenIds: number[] }[];
  tokens: number;
}

/** A pair ready for training: both sides tokenized, with the reference log-probs. */
export interface DpoPair {
  chosen: DpoSide;
  rejected: DpoSide;
  refChosen: number;
  refRejected: number;
}

/** Tokenize one side (turns as `{ input, response }`); null when a turn does not fit the context or the side has no token. */
export function tokenizeSide(model: LmmModel, turns: readonly { input: ModelInput; response: string }[]): DpoSide | null {
  const c = model.config, tok = model.tokenizer;
  const out: DpoSide = { turns: [], tokens: 0 };
  for (const t of turns) {
    const ids = tok.encode(t.response);
    const length = (t.input.image ? visualTokens(c) : 0) + 2 + tok.encode(t.input.prompt).length + ids.length - 1;
    if (length > c.maxSeq) return null;
    out.turns.push({ input: t.input, tokenIds: ids });
    out.tokens += ids.length;
  }
  return out.tokens > 0 ? out : null;
}

/** Sequence log-probs (summed over turns and tokens) of each side under `model`, no gradients (e.g. the reference). */
export async function sideLogProbs(model: LmmModel, sides: readonly DpoSide[], batch = 32): Promise<number[]> {
  const rows = sides.flatMap((s) => s.turns);
  const lp = await scoreSequences(model, rows, 1, batch);
  const out: number[] = [];
  let k = 0;
  for (const s of sides) {
    let sum = 0;
    for (let j = 0; j < s.turns.length; j++) for (const v of lp[k++]!) sum += v;
    out.push(sum);
  }
  return out;
}

/**
 * One optimizer step of the DPO loss on `pairs`: every turn of every side is scored in one
 * batched `responseLogProbs` call, summed per side, and the loss built with
 * `dpoLossTensor`. Returns the statistics before the step (the reference numbers of the
 * policy that took it) and the gradient norm.
 */
export function dpoStep(model: LmmModel, optimizer: tf.Optimizer, pairs: readonly DpoPair[], options: DpoOptions & { maxGradNorm: number }): DpoStats & { gradNorm: number } {
  return readSync(dpoStepReads(model, optimizer, pairs, options), 'dpoStepAsync');
}

/** `dpoStep` with asynchronous reads: works on every backend (webgpu too); the fusion stage uses it. */
export function dpoStepAsync(model: LmmModel, optimizer: tf.Optimizer, pairs: readonly DpoPair[], options: DpoOptions & { maxGradNorm: number }): Promise<DpoStats & { gradNorm: number }> {
  return readAsync(dpoStepReads(model, optimizer, pairs, options));
}

function* dpoStepReads(model: LmmModel, optimizer: tf.Optimizer, pairs: readonly DpoPair[], options: DpoOptions & { maxGradNorm: number }): Reads<DpoStats & { gradNorm: number }> {
  if (pairs.length === 0) throw new RlInputError('a DPO step needs at least one pair');
  const sides = pairs.flatMap((p) => [p.chosen, p.rejected]);
  const rows: ScoredExample[] = sides.flatMap((s) => s.turns.map((t) => ({ input: t.input, response: t.tokenIds })));
  // seg[s, r] = 1 when row r belongs to side s: side log-prob = seg @ row sums.
  const S = sides.length, R = rows.length;
  const seg = new Float32Array(S * R);
  let r = 0;
  sides.forEach((s, i) => { for (let j = 0; j < s.turns.length; j++) seg[i * R + r++] = 1; });
  let kept: tf.Tensor | null = null;
  let lp: number[];
  let result: { loss: number; gradNorm: number };
  try {
    result = yield* model.trainStepReads(() => {
      const { logProbs } = model.responseLogProbs(rows, { temperature: 1 });
      const perSide = tf.matMul(tf.tensor2d(seg, [S, R]), tf.sum(logProbs, 1).reshape([R, 1])).reshape([pairs.length, 2]);
      const [chosen, rejected] = tf.unstack(perSide, 1) as [tf.Tensor1D, tf.Tensor1D];
      kept = tf.keep(perSide.clone()); // read after the step
      return dpoLossTensor({
        chosen, rejected,
        refChosen: pairs.map((p) => p.refChosen), refRejected: pairs.map((p) => p.refRejected),
        chosenTokens: pairs.map((p) => p.chosen.tokens), rejectedTokens: pairs.map((p) => p.rejected.tokens),
      }, options);
    }, optimizer, { clipNorm: options.maxGradNorm });
    if (!kept) throw new RlInputError('the DPO loss was not evaluated');
    lp = Array.from(yield kept);
  } finally {
    if (kept) (kept as tf.Tensor).dispose();
  }
  const stats = dpoLossReference(pairs.map((p, i) => ({
    chosen: lp[2 * i]!, rejected: lp[2 * i + 1]!, refChosen: p.refChosen, refRejected: p.refRejected,
    chosenTokens: p.chosen.tokens, rejectedTokens: p.rejected.tokens,
  })), options);
  return { ...stats, loss: result.loss, gradNorm: result.gradNorm };
}
