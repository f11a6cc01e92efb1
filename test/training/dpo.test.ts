// Issue 16: the DPO loss (plain and length-normalised) against hand-computed values, its
// gradient signs, and a few steps on a tiny model raising the chosen response's log-prob
// relative to the rejected one.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdam, initBackend } from '../../agents/model/backend.js';
import { dpoLossReference, dpoLossTensor, dpoStep, sideLogProbs, softplusNeg, tokenizeSide, type DpoPair, type DpoPairLogProbs } from '../../training/fusion/dpo.js';
import { RlInputError } from '../../training/errors.js';
import { testFrame, tinyModel } from '../model/helpers.js';

// Pair 1: the policy raised the chosen log-prob by 1 and lowered the rejected by 1 (vs the reference).
// Pair 2: chosen unchanged, rejected raised by 1.
const pairs: DpoPairLogProbs[] = [
  { chosen: -10, rejected: -12, refChosen: -11, refRejected: -11, chosenTokens: 4, rejectedTokens: 2 },
  { chosen: -5, rejected: -4, refChosen: -5, refRejected: -5, chosenTokens: 1, rejectedTokens: 4 },
];

beforeAll(async () => { await initBackend({ backend: 'cpu', log: () => {} }); });

describe('DPO loss, known answers', () => {
  it('plain DPO: -log sigmoid(beta * (chosen log-ratio - rejected log-ratio)), averaged', () => {
    // h1 = 0.5 * (1 - (-1)) = 1; h2 = 0.5 * (0 - 1) = -0.5; loss_i = log(1 + exp(-h_i)).
    const s = dpoLossReference(pairs, { beta: 0.5, loss: 'dpo' });
    expect(softplusNeg(1)).toBeCloseTo(0.31326168751822286, 14);
    expect(softplusNeg(-0.5)).toBeCloseTo(0.9740769841801067, 14);
    expect(s.loss).toBeCloseTo(0.6436693358491647, 12);
    expect(s.margin).toBeCloseTo(0.25, 12);
    expect(s.chosenReward).toBeCloseTo((0.5 + 0) / 2, 12);
    expect(s.rejectedReward).toBeCloseTo((-0.5 + 0.5) / 2, 12);
    expect(s.accuracy).toBe(0.5);
    expect(s.chosenLogp).toBe(-7.5);
    expect(s.rejectedLogp).toBe(-8);
    expect(s.pairs).toBe(2);
  });

  it('length-normalised DPO: beta / |y| scales each log-ratio inside the log-sigmoid', () => {
    // beta 2: h1 = 2/4 * 1 - 2/2 * (-1) = 1.5; h2 = 2/1 * 0 - 2/4 * 1 = -0.5.
    const s = dpoLossReference(pairs, { beta: 2, loss: 'dpo-norm' });
    expect(s.loss).toBeCloseTo((0.2014132779827524 + 0.9740769841801067) / 2, 12);
    expect(s.margin).toBeCloseTo((1.5 - 0.5) / 2, 12);
    expect(s.accuracy).toBe(0.5);
    // Identical log-ratios give log 2 whatever beta and the loss.
    const same = [{ chosen: -3, rejected: -9, refChosen: -3, refRejected: -9, chosenTokens: 3, rejectedTokens: 9 }];
    expect(dpoLossReference(same, { beta: 7, loss: 'dpo-norm' }).loss).toBeCloseTo(Math.LN2, 14);
    expect(dpoLossReference(same, { beta: 0.1, loss: 'dpo' }).accuracy).toBe(0);
    expect(() => dpoLossReference(pairs, { beta: 0, loss: 'dpo' })).toThrow(RlInputError);
    expect(() => dpoLossReference(pairs, { beta: 1, loss: 'ipo' as 'dpo' })).toThrow(RlInputError);
  });

  it('the tensor loss equals the reference, and its gradient pushes chosen up and rejected down', () => {
    for (const opts of [{ beta: 0.5, loss: 'dpo' as const }, { beta: 2, loss: 'dpo-norm' as const }]) {
      const args = (c: tf.Tensor1D, r: tf.Tensor1D) => ({
        chosen: c, rejected: r, refChosen: pairs.map((p) => p.refChosen), refRejected: pairs.map((p) => p.refRejected),
        chosenTokens: pairs.map((p) => p.chosenTokens), rejectedTokens: pairs.map((p) => p.rejectedTokens),
      });
      const c = tf.tensor1d(pairs.map((p) => p.chosen)), r = tf.tensor1d(pairs.map((p) => p.rejected));
      expect(dpoLossTensor(args(c, r), opts).dataSync()[0]).toBeCloseTo(dpoLossReference(pairs, opts).loss, 5);
      const [gc, gr] = tf.grads((a: tf.Tensor, b: tf.Tensor) => dpoLossTensor(args(a as tf.Tensor1D, b as tf.Tensor1D), opts))([c, r]);
      const gcv = Array.from(gc!.dataSync()), grv = Array.from(gr!.dataSync());
      expect(gcv.every((g) => g < 0)).toBe(true); // descending the loss raises the chosen log-probs
      expect(grv.every((g) => g > 0)).toBe(true); // ... and lowers the rejected ones
      // d loss / d chosen_1 = -sigmoid(-h_1) * scale_c / P, by hand.
      const h1 = opts.loss === 'dpo' ? 1 : 1.5, scale = opts.loss === 'dpo' ? 0.5 : 2 / 4;
      expect(gcv[0]).toBeCloseTo(-(1 / (1 + Math.exp(h1))) * scale / 2, 6);
    }
  });
});

describe('DPO on a tiny model', () => {
  it('a few steps raise the chosen log-prob relative to the rejected one, starting from loss log 2', async () => {
    const model = await tinyModel(5);
    const ref = await model.clone(false);
    const frame = testFrame();
    const side = (turns: { prompt: string; image?: boolean; response: string }[]) =>
      tokenizeSide(model, turns.map((t) => ({ input: { prompt: t.prompt, image: t.image ? frame : null }, response: t.response })))!;
    const sides = [
      [side([{ prompt: 'Countdown 3+4', response: '<answer>7</answer>' }]), side([{ prompt: 'Countdown 3+4', response: '<answer>Up, Left</answer>' }])],
      // A two-turn sample from images: its log-prob is the sum over both turns.
      [side([{ prompt: 'Sokoban', image: true, response: '<answer>Up</answer>' }, { prompt: 'Sokoban again', image: true, response: '<think>push the box up</think>' }]),
        side([{ prompt: 'Sokoban', image: true, response: '<answer>Left</answer>' }])],
    ] as const;
    const refLp = await sideLogProbs(ref, sides.flat());
    // The sum over turns: the two-turn side equals its turns scored one by one.
    const [t1, t2] = await Promise.all(sides[1][0].turns.map((t) => ref.scoreResponses([{ input: t.input, response: t.tokenIds }])));
    expect(refLp[2]).toBeCloseTo([...t1![0]!, ...t2![0]!].reduce((a, b) => a + b, 0), 4);
    const batch: DpoPair[] = sides.map(([c, r], i) => ({ chosen: c, rejected: r, refChosen: refLp[2 * i]!, refRejected: refLp[2 * i + 1]! }));
    const optimizer = await createAdam(0.01);
    const steps = [];
    for (let s = 0; s < 6; s++) steps.push(dpoStep(model, optimizer, batch, { beta: 0.5, loss: 'dpo', maxGradNorm: 1 }));
    expect(steps[0]!.loss).toBeCloseTo(Math.LN2, 3); // policy = reference at the start
    expect(steps[0]!.chosenLogp).toBeCloseTo((refLp[0]! + refLp[2]!) / 2, 3);
    const after = await sideLogProbs(model, sides.flat());
    for (let i = 0; i < 2; i++) {
      const logRatioChosen = after[2 * i]! - refLp[2 * i]!, logRatioRejected = after[2 * i + 1]! - refLp[2 * i + 1]!;
      expect(logRatioChosen - logRatioRejected).toBeGreaterThan(0.5);
    }
    expect(steps.at(-1)!.loss).toBeLessThan(steps[0]!.loss - 0.05);
    expect(steps.at(-1)!.margin).toBeGreaterThan(0);
    expect(steps.at(-1)!.accuracy).toBe(1);
    optimizer.dispose();
    model.dispose();
    ref.dispose();
  });
});
