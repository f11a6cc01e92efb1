import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { computeAdvantages, degenerateGroupFraction, whiten } from '../../training/rl/advantages.js';
import { K3_MAX, klTensor, klToken, prefixKlWeights } from '../../training/rl/kl.js';
import { Tokenizer } from '../../agents/model/tokenizer.js';
import { clippedTokenLoss, padSequences, policyLossReference, policyLossTensor, type SequenceLogProbs } from '../../training/rl/loss.js';
import { RlInputError } from '../../training/errors.js';

const close = (a: ArrayLike<number>, b: number[], d = 6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, d);
};

describe('advantage estimators', () => {
  // Two groups of 4: [1, 0, 0, 1] (mean .5, sample std 0.57735) and [1.5, 1.5, 0.5, 0] (mean .875).
  const r = [1, 0, 0, 1, 1.5, 1.5, 0.5, 0];

  it('reinforce_baseline subtracts the group mean only (LMM-R1 default)', () => {
    close(computeAdvantages(r, { estimator: 'reinforce_baseline', groupSize: 4 }), [0.5, -0.5, -0.5, 0.5, 0.625, 0.625, -0.375, -0.875]);
  });

  it('grpo divides by the sample std of the group', () => {
    const sd1 = Math.sqrt((4 * 0.25) / 3); // 0.57735
    const sd2 = Math.sqrt((0.625 ** 2 * 2 + 0.375 ** 2 + 0.875 ** 2) / 3);
    const a = computeAdvantages(r, { estimator: 'grpo', groupSize: 4, eps: 0 });
    close(a, [0.5 / sd1, -0.5 / sd1, -0.5 / sd1, 0.5 / sd1, 0.625 / sd2, 0.625 / sd2, -0.375 / sd2, -0.875 / sd2]);
  });

  it('rloo uses the mean of the other samples', () => {
    const a = computeAdvantages(r, { estimator: 'rloo', groupSize: 4 });
    // sample 0 of group 0: 1 - mean(0, 0, 1) = 2/3; sample 6: 0.5 - mean(1.5, 1.5, 0) = -0.5
    expect(a[0]).toBeCloseTo(2 / 3, 9);
    expect(a[6]).toBeCloseTo(-0.5, 9);
    expect(a[7]).toBeCloseTo(0 - 3.5 / 3, 9);
  });

  it('a group with equal rewards gets zero advantage (no NaN)', () => {
    for (const estimator of ['grpo', 'reinforce_baseline', 'rloo'] as const) {
      const a = computeAdvantages([1, 1, 1, 0, 0, 0], { estimator, groupSize: 3 });
      expect([...a]).toEqual([0, 0, 0, 0, 0, 0]);
    }
    expect(degenerateGroupFraction([1, 1, 1, 0, 1, 0], 3)).toBe(0.5);
  });

  it('batch normalisation whitens after the baseline', () => {
    const a = computeAdvantages(r, { estimator: 'reinforce_baseline', groupSize: 4, normalize: 'batch', eps: 0 });
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / (a.length - 1));
    expect(mean).toBeCloseTo(0, 9);
    expect(sd).toBeCloseTo(1, 9);
    expect([...whiten(new Float64Array([2, 2, 2]))]).toEqual([0, 0, 0]);
  });

  it('rejects bad shapes with a typed error', () => {
    expect(() => computeAdvantages([1, 2, 3], { estimator: 'grpo', groupSize: 2 })).toThrow(/whole number of groups/);
    expect(() => computeAdvantages([1, 2], { estimator: 'rloo', groupSize: 1 })).toThrow(RlInputError);
    expect(() => computeAdvantages([1, NaN], { estimator: 'grpo', groupSize: 2 })).toThrow(/not finite/);
    expect(() => computeAdvantages([1, 2], { estimator: 'ppo' as never, groupSize: 2 })).toThrow(/unknown advantage estimator/);
  });
});

describe('KL estimators', () => {
  it('k1, k2, k3 on hand-computed values', () => {
    // logp = ln 0.5, ref = ln 0.25: d = ref - logp = -ln 2
    const lp = Math.log(0.5), ref = Math.log(0.25), d = -Math.LN2;
    expect(klToken(lp, ref, 'k1')).toBeCloseTo(Math.LN2, 12);
    expect(klToken(lp, ref, 'k2')).toBeCloseTo(0.5 * d * d, 12);
    expect(klToken(lp, ref, 'k3')).toBeCloseTo(0.5 - d - 1, 12); // exp(d) = 0.5
    expect(klToken(-1, -1, 'k3')).toBe(0);
    expect(klToken(-2, -0.5, 'k3')).toBeGreaterThan(0);
  });

  it('k3 is capped at K3_MAX, and a capped token has a zero, finite gradient', () => {
    // d = 15: exp(15) - 16 ~ 3.3e6 uncapped.
    expect(klToken(-15, 0, 'k3')).toBe(K3_MAX);
    expect(klToken(0, -50, 'k3')).toBe(K3_MAX); // d = -50: -d - 1 = 49 uncapped
    expect(klToken(-2, 0, 'k3')).toBeCloseTo(Math.exp(2) - 3, 12); // below the cap: unchanged
    const ref = tf.tensor1d([0, 0, 0]);
    const logp = tf.tensor1d([-0.5, -15, -200]); // d = 0.5 (uncapped), 15 and 200 (capped)
    const v = klTensor(logp, ref, 'k3').dataSync();
    expect(v[0]).toBeCloseTo(Math.exp(0.5) - 1.5, 5);
    expect(v[1]).toBe(K3_MAX); expect(v[2]).toBe(K3_MAX);
    const g = tf.grad((x: tf.Tensor) => tf.sum(klTensor(x, ref, 'k3')))(logp).dataSync();
    expect(g[0]).toBeCloseTo(1 - Math.exp(0.5), 5); // d/dlogp (e^d - d - 1) = 1 - e^d
    expect(Math.abs(g[1]!)).toBe(0); expect(Math.abs(g[2]!)).toBe(0);
  });
});

describe('prefixKlWeights', () => {
  const text = '<think>P 4,1 B 2,3 T 3,2; wall 2,2; box 2,3 3,3; push down from 1,3</think><answer>Up</answer>';
  const tok = Tokenizer.build([text, 'P 1,1 B 2,2 T 3,3; box 2,2; push up from 3,2']);
  const pieces = (s: string) => tok.encode(s).map((id) => tok.bytesOf([id]));
  it('weights exactly the tokens that start before the marker', () => {
    const p = pieces(text);
    const w = prefixKlWeights(p, { until: '; box', weight: 5 });
    const end = text.indexOf('; box');
    let at = 0;
    p.forEach((bytes, t) => { expect(w[t], `token ${t} at ${at}`).toBe(at < end ? 5 : 1); at += bytes.length; });
    expect(w.filter((x) => x === 5).length).toBeGreaterThan(3);
    expect(w[w.length - 1]).toBe(1);
  });
  it('all ones without the marker; an empty response gives no weights', () => {
    expect(prefixKlWeights(pieces('<think>no plan</think>'), { until: '; box', weight: 5 }).every((x) => x === 1)).toBe(true);
    expect(prefixKlWeights([], { until: '; box', weight: 5 })).toEqual([]);
  });
});

describe('clipped policy loss', () => {
  it('clips the ratio on the side that matters for the advantage sign', () => {
    // ratio 1.5, A = +1: clipped to 1.2 -> loss -1.2, clipped
    let r = clippedTokenLoss(Math.log(1.5), 0, 1);
    expect(r.loss).toBeCloseTo(-1.2, 12); expect(r.clipped).toBe(true);
    // ratio 1.5, A = -1: min(-1.5, -1.2) = -1.5 -> loss 1.5, not clipped
    r = clippedTokenLoss(Math.log(1.5), 0, -1);
    expect(r.loss).toBeCloseTo(1.5, 12); expect(r.clipped).toBe(false);
    // ratio 0.5, A = -1: clipped to 0.8 -> loss 0.8
    r = clippedTokenLoss(Math.log(0.5), 0, -1);
    expect(r.loss).toBeCloseTo(0.8, 12); expect(r.clipped).toBe(true);
    // ratio 1, A = 2: loss -2
    expect(clippedTokenLoss(-3, -3, 2).loss).toBeCloseTo(-2, 12);
  });

  it('dual clip bounds the loss of a negative advantage at -dualClip x A', () => {
    // ratio 5, A = -1: plain PPO loss 5; dual clip 3 -> 3, clipped
    let r = clippedTokenLoss(Math.log(5), 0, -1);
    expect(r.loss).toBeCloseTo(3, 12); expect(r.clipped).toBe(true);
    expect(clippedTokenLoss(Math.log(5), 0, -1, 0.2, 0.2, 0).loss).toBeCloseTo(5, 12); // off
    // ratio 2 < 3: unchanged; positive advantages are never dual-clipped
    expect(clippedTokenLoss(Math.log(2), 0, -1).loss).toBeCloseTo(2, 12);
    expect(clippedTokenLoss(Math.log(5), 0, 1).loss).toBeCloseTo(-1.2, 12);
    expect(() => policyLossReference([{ logp: [0], oldLogp: [0], advantage: 1 }], { dualClip: 1 })).toThrow(/dualClip/);
    // The tensor loss agrees and gives the capped token no gradient.
    const seqs2: SequenceLogProbs[] = [{ logp: [Math.log(5), Math.log(2)], oldLogp: [0, 0], advantage: -1 }, { logp: [Math.log(5), 0], oldLogp: [0, 0], advantage: 0.5 }];
    const shape: [number, number] = [2, 2];
    const old = tf.tensor2d([0, 0, 0, 0], shape), mask = tf.tensor2d([1, 1, 1, 1], shape), adv = tf.tensor1d([-1, 0.5]);
    const x0 = tf.tensor2d(seqs2.flatMap((q) => Array.from(q.logp)), shape);
    const loss = (x: tf.Tensor) => policyLossTensor({ logp: x as tf.Tensor2D, oldLogp: old, mask, advantages: adv }, { aggregation: 'token' });
    expect(loss(x0).dataSync()[0]!).toBeCloseTo(policyLossReference(seqs2, { aggregation: 'token' }).loss, 5);
    expect(policyLossReference(seqs2, { aggregation: 'token' }).loss).toBeCloseTo((3 + 2 - 0.6 - 0.5) / 4, 12);
    const g = tf.grad(loss)(x0).dataSync();
    expect(Math.abs(g[0]!)).toBe(0); // dual-clipped
    expect(g[1]).toBeCloseTo(2 / 4, 5); // ratio 2, A = -1: d(-r A)/dlogp = -A r / N
  });

  const seqs: SequenceLogProbs[] = [
    { logp: [Math.log(1.5), 0], oldLogp: [0, 0], refLogp: [0, -1], advantage: 1 },
    { logp: [-1, -1, -1, -1], oldLogp: [-1, -1, -1, -1], refLogp: [-1, -1, -1, -1], advantage: -0.5 },
  ];

  it('token vs sequence aggregation on a hand-computed batch', () => {
    // seq 0 terms: -1.2, -1 ; seq 1 terms: 0.5 x 4
    const tok = policyLossReference(seqs, { aggregation: 'token' });
    expect(tok.loss).toBeCloseTo((-1.2 - 1 + 2) / 6, 12);
    const seq = policyLossReference(seqs, { aggregation: 'sequence' });
    expect(seq.loss).toBeCloseTo(((-2.2 / 2) + 0.5) / 2, 12);
    expect(tok.clipFraction).toBeCloseTo(1 / 6, 12);
    expect(tok.tokens).toBe(6);
  });

  it('adds klCoef times the KL estimate', () => {
    const k = klToken(0, -1, 'k3'); // only token 2 of seq 0 differs from ref
    const withKl = policyLossReference(seqs, { aggregation: 'token', klCoef: 0.1, klEstimator: 'k3' });
    const without = policyLossReference(seqs, { aggregation: 'token' });
    const kl0 = klToken(Math.log(1.5), 0, 'k3');
    expect(withKl.loss - without.loss).toBeCloseTo((0.1 * (k + kl0)) / 6, 12);
    expect(withKl.kl).toBeCloseTo((k + kl0) / 6, 12);
    expect(() => policyLossReference([{ logp: [0], oldLogp: [0], advantage: 1 }], { klCoef: 0.1 })).toThrow(/refLogp/);
  });

  it('klWeight multiplies each token\'s KL term (reference and tensor agree)', () => {
    const opts = { aggregation: 'token' as const, klCoef: 0.1, klEstimator: 'k3' as const };
    const without = policyLossReference(seqs, { aggregation: 'token' });
    const kl2 = klToken(0, -1, 'k3'), kl0 = klToken(Math.log(1.5), 0, 'k3');
    const ones = seqs.map((q) => ({ ...q, klWeight: Array.from(q.logp, () => 1) }));
    expect(policyLossReference(ones, opts).loss).toBeCloseTo(policyLossReference(seqs, opts).loss, 12);
    // Sequence 0: weight 4 on its first token, 0 on its second: only the first token's KL counts, 4 times.
    const weighted = seqs.map((q, b) => ({ ...q, klWeight: Array.from(q.logp, (_, t) => (b === 0 ? [4, 0][t]! : 1)) }));
    const ref = policyLossReference(weighted, opts);
    expect(ref.loss - without.loss).toBeCloseTo((0.1 * 4 * kl0) / 6, 12);
    expect(ref.kl).toBeCloseTo((kl2 + kl0) / 6, 12); // the reported KL stays the plain estimate
    const lp = padSequences(seqs.map((q) => q.logp));
    const shape: [number, number] = [seqs.length, lp.width];
    const t2 = (rows: ArrayLike<number>[]) => tf.tensor2d(padSequences(rows, lp.width).values, shape);
    const t = policyLossTensor({ logp: t2(seqs.map((q) => q.logp)), oldLogp: t2(seqs.map((q) => q.oldLogp)), refLogp: t2(seqs.map((q) => q.refLogp!)), mask: tf.tensor2d(lp.mask, shape), advantages: tf.tensor1d(seqs.map((q) => q.advantage)), klWeight: t2(weighted.map((q) => q.klWeight)) }, opts);
    expect(t.dataSync()[0]!).toBeCloseTo(ref.loss, 5);
    expect(() => policyLossReference([{ ...seqs[0]!, klWeight: [1] }], opts)).toThrow(/klWeight/);
  });

  it('the tensor loss equals the reference and has the policy-gradient gradient', () => {
    for (const aggregation of ['token', 'sequence'] as const) {
      const opts = { aggregation, klCoef: 0.05, klEstimator: 'k3' as const };
      const lp = padSequences(seqs.map((s) => s.logp));
      const old = padSequences(seqs.map((s) => s.oldLogp), lp.width);
      const ref = padSequences(seqs.map((s) => s.refLogp!), lp.width);
      const shape: [number, number] = [seqs.length, lp.width];
      const logp = tf.tensor2d(lp.values, shape);
      const t = policyLossTensor({ logp, oldLogp: tf.tensor2d(old.values, shape), refLogp: tf.tensor2d(ref.values, shape), mask: tf.tensor2d(lp.mask, shape), advantages: tf.tensor1d(seqs.map((s) => s.advantage)) }, opts);
      expect(t.dataSync()[0]!).toBeCloseTo(policyLossReference(seqs, opts).loss, 5);
      // On-policy, no KL: d loss / d logp_t = -A / N for every token (token aggregation).
      const g = tf.grad((x: tf.Tensor) => policyLossTensor({ logp: x as tf.Tensor2D, oldLogp: tf.tensor2d(old.values, shape), mask: tf.tensor2d(lp.mask, shape), advantages: tf.tensor1d([1, -0.5]) }, { aggregation: 'token' }))(tf.tensor2d(old.values, shape));
      const gv = g.dataSync();
      expect(gv[0]).toBeCloseTo(-1 / 6, 6);
      expect(gv[lp.width]).toBeCloseTo(0.5 / 6, 6);
      expect(Math.abs(gv[2]!)).toBe(0); // padding gets no gradient
    }
  });
});
