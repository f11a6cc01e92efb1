import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../../envs/index.js';
import '../../agents/index.js';
import { computeAdvantages } from '../../training/rl/advantages.js';
import { computeTurnAdvantages, discountedReturns, episodeTurnAdvantages, turnRewards, type TurnRewardSource } from '../../training/rl/turn-credit.js';
import { padSequences, policyLossReference, policyLossTensor, type SequenceLogProbs } from '../../training/rl/loss.js';
import { normalizedWeights, policyUpdate, scoreSequences, type TrainSequence } from '../../training/rl/update.js';
import { LmmModel } from '../../agents/model/model.js';
import { modelInput } from '../../agents/model/agent.js';
import { initBackend } from '../../agents/model/backend.js';
import { RlInputError } from '../../training/errors.js';
import { validateTrainConfig } from '../../training/pipeline/config.js';
import { configHooks, runPipeline } from '../../training/pipeline/run.js';
import { episodeComponents, type RolloutBatch } from '../../training/rollout/collect.js';
import { rolloutSequences } from '../../training/rl/sequences.js';
import { makeLanguageEnv } from '../../training/rollout/envs.js';
import { composeReward } from '../../tasks/rewards/compose.js';
import { runEpisodes } from '../../agents/runner.js';
import { OracleAgent } from '../../agents/oracles/oracle.js';
import type { Agent, AgentContext } from '../../agents/types.js';
import { responseFromText } from '../../agents/agent.js';
import type { AgentObservation } from '../../tasks/types.js';
import { readMetrics } from '../../training/metrics/jsonl.js';
import { badField } from './helpers.js';

const W = { accuracy: 1, format: 0.5, env: 0, penalty: 1 };
const turn = (c: Record<string, number>): TurnRewardSource => ({ rewards: { accuracy: 0, formatOk: 0, env: 0, penalty: 0, ...c } });

// One group of G = 3 made-up step-mode episodes from the same start state:
//   A solves on its 2nd turn, both turns in format;
//   B fails after 3 turns, its 2nd turn malformed (penalty -0.1);
//   C solves on its 1st turn.
const A = [turn({ formatOk: 1 }), turn({ formatOk: 1, accuracy: 1 })];
const B = [turn({ formatOk: 1 }), turn({ formatOk: 0, penalty: -0.1 }), turn({ formatOk: 1 })];
const C = [turn({ formatOk: 1, accuracy: 1 })];
// Turn rewards (format 'share': 0.5 x formatOk / T):   A [0.25, 1.25]   B [1/6, -0.1, 1/6]   C [1.5]
// Returns with gamma 0.9, by hand:
//   A: R1 = 1.25, R0 = 0.25 + 0.9 x 1.25 = 1.375
//   B: R2 = 1/6, R1 = -0.1 + 0.9/6 = 0.05, R0 = 1/6 + 0.9 x 0.05 = 0.2116667
//   C: R0 = 1.5
const RA = [1.375, 1.25], RB = [1 / 6 + 0.045, 0.05, 1 / 6], RC = [1.5];

function close(actual: ArrayLike<number>, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]!).toBeCloseTo(e, digits));
}

describe('per-turn rewards and returns', () => {
  it('turn rewards: win on the solving turn, format share or per turn, penalty, env shaping by weight', () => {
    close(turnRewards(A, W), [0.25, 1.25]);
    close(turnRewards(B, W), [1 / 6, -0.1, 1 / 6]);
    close(turnRewards(B, W, 'turn'), [0.5, -0.1, 0.5]);
    // env reward counts only with a weight (shaping is opt-in): -0.1 per step, +10 on the solve.
    const env = [turn({ formatOk: 1, env: -0.1 }), turn({ formatOk: 1, env: 10.9, accuracy: 1 })];
    close(turnRewards(env, W), [0.25, 1.25]);
    close(turnRewards(env, { ...W, env: 0.1 }), [0.25 - 0.01, 1.25 + 1.09]);
    // The reasoning check counts only with a weight, split over the turns as the format is.
    const checked = [turn({ formatOk: 1, reasoning: 1 }), turn({ formatOk: 1, reasoning: 0 })];
    close(turnRewards(checked, W), [0.25, 0.25]);
    close(turnRewards(checked, { ...W, reasoning: 2 }), [0.25 + 1, 0.25]);
    close(turnRewards(checked, { ...W, reasoning: 2 }, 'turn'), [0.5 + 2, 0.5]);
  });

  it('discounted reward-to-go, by hand', () => {
    close(discountedReturns(turnRewards(A, W), 0.9), RA);
    close(discountedReturns(turnRewards(B, W), 0.9), RB);
    close(discountedReturns([0, 0, 0, 1], 0.5), [0.125, 0.25, 0.5, 1]);
    expect(() => discountedReturns([1], 0)).toThrow(RlInputError);
    expect(() => discountedReturns([1], 1.01)).toThrow(RlInputError);
    expect(() => discountedReturns([NaN], 0.9)).toThrow(RlInputError);
  });

  it('with gamma 1 and format share, turn 0\'s return is the episode reward (real Sokoban episodes, penalties and env weight on)', async () => {
    const weights = { accuracy: 1, format: 0.5, env: 0.05, penalty: 1 };
    const spec = { id: 'Sokoban-v0', options: {}, mode: 'text' as const, style: 'step' as const, weight: 1, maxTurns: 12, invalidPenalty: -0.1 };
    // The oracle, but every third answer is malformed (no tags: a no-op with the penalty).
    const oracle = new OracleAgent('compact');
    let calls = 0;
    const agent: Agent = {
      name: 'sloppy-oracle',
      async act(obs: AgentObservation, ctx?: AgentContext) {
        const r = await oracle.act(obs, ctx);
        return ++calls % 3 === 0 ? responseFromText('hmm', obs) : r;
      },
    };
    const envs = [0, 1, 2, 3].map(() => makeLanguageEnv(spec, weights));
    const results = await runEpisodes(agent, envs, { seeds: [11, 12, 13, 14] });
    envs.forEach((e) => e.close());
    let malformed = 0, solved = 0;
    for (const r of results) {
      const episodeReward = composeReward(episodeComponents(r), weights).total;
      const R = discountedReturns(turnRewards(r.turns, weights, 'share'), 1);
      expect(R[0]!).toBeCloseTo(episodeReward, 9);
      malformed += r.turns.filter((t) => !t.parse.formatOk).length;
      solved += r.success ? 1 : 0;
    }
    expect(malformed).toBeGreaterThan(0);
    expect(solved).toBeGreaterThan(0);
  });
});

describe('per-turn advantages on a hand-computed group', () => {
  const returns = [RA, RB, RC];
  const opts = (estimator: 'grpo' | 'reinforce_baseline' | 'rloo' | 'reinforce', baseline: 'position' | 'group') => ({ estimator, groupSize: 3, baseline });

  it('position baseline, reinforce_baseline: turns compared with turns at the same index; a lone turn gets 0', () => {
    // t0: mean (1.375 + 0.2116667 + 1.5) / 3 = 1.0288889; t1: mean (1.25 + 0.05) / 2 = 0.65; t2: B alone.
    const [a, b, c] = computeTurnAdvantages(returns, opts('reinforce_baseline', 'position'));
    close(a!, [1.375 - 1.0288889, 1.25 - 0.65]);
    close(b!, [0.2116667 - 1.0288889, 0.05 - 0.65, 0]);
    close(c!, [1.5 - 1.0288889]);
    // Episode credit pushes every turn of B down by the same amount (reward 0.5 x 2/3 - 0.1 vs mean 1.0777778):
    const ep = computeAdvantages([1.5, 0.5 * (2 / 3) - 0.1, 1.5], { estimator: 'reinforce_baseline', groupSize: 3 });
    const broadcast = episodeTurnAdvantages([{ turns: A }, { turns: B }, { turns: C }], ep, { mode: 'episode' }, { ...opts('reinforce_baseline', 'position'), weights: W }).advantages;
    close(broadcast[1]!, [-0.8444444, -0.8444444, -0.8444444]);
  });

  it('position baseline, rloo: the mean of the other episodes at that index', () => {
    const [a, b, c] = computeTurnAdvantages(returns, opts('rloo', 'position'));
    close(a!, [1.375 - (0.2116667 + 1.5) / 2, 1.25 - 0.05]);
    close(b!, [0.2116667 - (1.375 + 1.5) / 2, 0.05 - 1.25, 0]);
    close(c!, [1.5 - (1.375 + 0.2116667) / 2]);
  });

  it('position baseline, grpo: divided by the sample std at that index; a lone turn gets 0', () => {
    const [a, b, c] = computeTurnAdvantages(returns, opts('grpo', 'position'));
    close(a!, [0.4871439, 0.7071059], 5);
    close(b!, [-1.1502225, -0.7071059, 0], 5);
    close(c!, [0.6630787], 5);
  });

  it('group baseline: all six turns of the group (mean 0.7588889); rloo leaves the turn\'s own episode out', () => {
    const [a, b, c] = computeTurnAdvantages(returns, opts('reinforce_baseline', 'group'));
    const m = 0.7588889;
    close(a!, [1.375 - m, 1.25 - m]);
    close(b!, [0.2116667 - m, 0.05 - m, 1 / 6 - m]);
    close(c!, [1.5 - m]);
    const r = computeTurnAdvantages(returns, opts('rloo', 'group'));
    const otherA = (0.2116667 + 0.05 + 1 / 6 + 1.5) / 4, otherB = (1.375 + 1.25 + 1.5) / 3, otherC = (1.375 + 1.25 + 0.2116667 + 0.05 + 1 / 6) / 5;
    close(r[0]!, [1.375 - otherA, 1.25 - otherA]);
    close(r[1]!, [0.2116667 - otherB, 0.05 - otherB, 1 / 6 - otherB]);
    close(r[2]!, [1.5 - otherC]);
    const g = computeTurnAdvantages(returns, opts('grpo', 'group'));
    close([...g[0]!, ...g[1]!, ...g[2]!], [0.9039489, 0.7205508, -0.8028762, -1.0400711, -0.8688995, 1.0873471], 5);
    close(computeTurnAdvantages(returns, opts('reinforce', 'group'))[1]!, RB);
  });

  it('batch normalisation whitens over every turn of the batch', () => {
    const w = computeTurnAdvantages(returns, { ...opts('reinforce_baseline', 'position'), normalize: 'batch' });
    close([...w[0]!, ...w[1]!, ...w[2]!], [0.5884752, 1.0201495, -1.3894815, -1.0201495, 0, 0.8010063], 5);
  });

  it('groups are independent; equal groups give zeros, never NaN', () => {
    const two = computeTurnAdvantages([RA, RB, RC, [1, 1], [1, 1], [1, 1]], opts('grpo', 'position'));
    close(two[0]!, [0.4871439, 0.7071059], 5);
    for (const a of two.slice(3)) close(a, [0, 0]);
  });

  it('single-turn episodes (plan mode, text tasks): per-turn credit equals episode credit for every estimator and baseline', () => {
    const rewards = [1.5, 0.5, 0, 1, 1.5, 1.5, 0.25, 0];
    for (const estimator of ['grpo', 'reinforce_baseline', 'rloo', 'reinforce'] as const) {
      const ep = computeAdvantages(rewards, { estimator, groupSize: 4 });
      for (const baseline of ['position', 'group'] as const) {
        const t = computeTurnAdvantages(rewards.map((r) => [r]), { estimator, groupSize: 4, baseline });
        close(t.map((a) => a[0]!), [...ep], 9);
      }
    }
  });

  it('rejects bad shapes and values with a typed error', () => {
    expect(() => computeTurnAdvantages([RA, RB], opts('reinforce_baseline', 'position'))).toThrow(/whole number of groups/);
    expect(() => computeTurnAdvantages([RA], { estimator: 'rloo', groupSize: 1, baseline: 'position' })).toThrow(RlInputError);
    expect(() => computeTurnAdvantages([[NaN], RB, RC], opts('grpo', 'group'))).toThrow(/not finite/);
    expect(() => computeTurnAdvantages(returns, { estimator: 'ppo' as never, groupSize: 3, baseline: 'group' })).toThrow(/unknown advantage estimator/);
    expect(() => computeTurnAdvantages(returns, { estimator: 'grpo', groupSize: 3, baseline: 'critic' as never })).toThrow(/baseline/);
    expect(() => episodeTurnAdvantages([{ turns: A }], null, { mode: 'episode' }, { estimator: 'grpo', groupSize: 1, weights: W })).toThrow(RlInputError);
  });
});

describe('rolloutSequences: one training sequence per turn, with its advantage and weight', () => {
  // The group A, B, C above as a rollout batch; each turn's sample is tagged by its token id.
  const episodes = [A, B, C].map((turns, k) => ({
    result: { turns },
    reward: [1.5, 0.5 * (2 / 3) - 0.1, 1.5][k]!,
    samples: turns.map((_, t) => ({ input: { prompt: `episode ${k} turn ${t}` }, tokenIds: [10 * k + t], logProbs: [-0.5] })),
  }));
  const batch = { episodes, groupSize: 3, generatedTokens: 6, seconds: 0 } as unknown as RolloutBatch;
  const settings = { estimator: 'reinforce_baseline' as const, normalize: 'none' as const, groupSize: 3, rewards: W };

  it("credit 'turn': the per-turn advantages in turn order; aggregation 'episode' weighs each turn 1 / its episode's turns", () => {
    const r = rolloutSequences(batch, { ...settings, credit: { mode: 'turn', gamma: 0.9, baseline: 'position', format: 'share' }, aggregation: 'episode' });
    expect(r.episodeAdvantages).toBeNull();
    expect(r.sequences.map((q) => q.tokenIds[0])).toEqual([0, 1, 10, 11, 12, 20]);
    expect(r.sequences.map((q) => q.input.prompt)).toEqual(['episode 0 turn 0', 'episode 0 turn 1', 'episode 1 turn 0', 'episode 1 turn 1', 'episode 1 turn 2', 'episode 2 turn 0']);
    close(r.sequences.map((q) => q.advantage), [1.375 - 1.0288889, 1.25 - 0.65, 0.2116667 - 1.0288889, 0.05 - 0.65, 0, 1.5 - 1.0288889]);
    close(r.sequences.map((q) => q.weight!), [1 / 2, 1 / 2, 1 / 3, 1 / 3, 1 / 3, 1]);
    expect(r.sequences.every((q) => q.oldLogp[0] === -0.5)).toBe(true);
  });

  it("credit 'episode': every turn gets its episode's group advantage; aggregation 'token' sets no weight", () => {
    const r = rolloutSequences(batch, { ...settings, credit: { mode: 'episode' }, aggregation: 'token' });
    close(r.episodeAdvantages!, [1.5 - 1.0777778, 0.5 * (2 / 3) - 0.1 - 1.0777778, 1.5 - 1.0777778]);
    close(r.sequences.map((q) => q.advantage), [0.4222222, 0.4222222, -0.8444444, -0.8444444, -0.8444444, 0.4222222]);
    expect(r.sequences.every((q) => q.weight === undefined)).toBe(true);
  });
});

describe("aggregation 'episode' (per-turn length weighting)", () => {
  // Episode X: one turn, 2 tokens, terms -1.2 and -1 (mean -1.1). Episode Y: three turns of 1 token, term 0.5 each.
  const seqs: SequenceLogProbs[] = [
    { logp: [Math.log(1.5), 0], oldLogp: [0, 0], advantage: 1, weight: 1 },
    { logp: [-1], oldLogp: [-1], advantage: -0.5, weight: 1 / 3 },
    { logp: [-1], oldLogp: [-1], advantage: -0.5, weight: 1 / 3 },
    { logp: [-1], oldLogp: [-1], advantage: -0.5, weight: 1 / 3 },
  ];

  it('token-mean, sequence-mean and episode-mean differ as stated', () => {
    expect(policyLossReference(seqs, { aggregation: 'token' }).loss).toBeCloseTo((-2.2 + 1.5) / 5, 12);
    expect(policyLossReference(seqs, { aggregation: 'sequence' }).loss).toBeCloseTo((-1.1 + 1.5) / 4, 12); // Y weighs 3x X
    // Weights rescaled to mean 1 over the update (policyUpdate does this): X 2, each Y turn 2/3.
    const norm = normalizedWeights(seqs);
    close(norm.map((s) => s.weight!), [2, 2 / 3, 2 / 3, 2 / 3], 12);
    expect(policyLossReference(norm, { aggregation: 'episode' }).loss).toBeCloseTo((-1.1 + 0.5) / 2, 12); // mean over the 2 episodes
    // Without weights 'episode' is 'sequence'.
    const plain = seqs.map(({ weight: _w, ...s }) => s);
    expect(policyLossReference(plain, { aggregation: 'episode' }).loss).toBeCloseTo(policyLossReference(plain, { aggregation: 'sequence' }).loss, 12);
    expect(() => policyLossReference([{ ...seqs[0]!, weight: 0 }], { aggregation: 'episode' })).toThrow(/weight/);
  });

  it('the tensor loss equals the reference with weights', () => {
    const norm = normalizedWeights(seqs);
    const lp = padSequences(norm.map((s) => s.logp));
    const old = padSequences(norm.map((s) => s.oldLogp), lp.width);
    const shape: [number, number] = [norm.length, lp.width];
    const t = policyLossTensor({
      logp: tf.tensor2d(lp.values, shape), oldLogp: tf.tensor2d(old.values, shape), mask: tf.tensor2d(lp.mask, shape),
      advantages: tf.tensor1d(norm.map((s) => s.advantage)), weights: tf.tensor1d(norm.map((s) => s.weight!)),
    }, { aggregation: 'episode' });
    expect(t.dataSync()[0]!).toBeCloseTo(policyLossReference(norm, { aggregation: 'episode' }).loss, 5);
  });
});

describe("policyUpdate with aggregation 'episode'", () => {
  it('trains on the weighted loss: episodes of 1 and 3 turns weigh the same', async () => {
    await initBackend({ log: () => {} });
    const model = LmmModel.create({ preset: 'tiny', config: { maxSeq: 192 }, seed: 2 });
    const env = makeLanguageEnv({ id: 'Countdown-v0', options: { difficulty: 'easy' }, mode: 'text', style: 'step', weight: 1 });
    const input = modelInput(env.reset({ seed: 1 }).observation);
    env.close();
    const raw = [[5, 6, 7], [8], [9, 10], [11]].map((tokenIds) => ({ input, tokenIds }));
    const old = await scoreSequences(model, raw, 1);
    // Episode X = sequence 0 (1 turn, advantage +1); episode Y = sequences 1-3 (3 turns, advantage -1).
    const seqs: TrainSequence[] = raw.map((q, i) => ({ ...q, oldLogp: old[i]!, advantage: i === 0 ? 1 : -1, weight: i === 0 ? 1 : 1 / 3 }));
    const settings = { clip: 0.2, clipHigh: 0.2, klCoef: 0, klEstimator: 'k3' as const, ppoEpochs: 1, miniBatch: 0, maxGradNorm: 0, entropyCoef: 0, temperature: 1 };
    const opt = tf.train.sgd(0);
    const ep = policyUpdate(model, opt, seqs, { ...settings, aggregation: 'episode' });
    const sq = policyUpdate(model, opt, seqs, { ...settings, aggregation: 'sequence' });
    // On-policy (ratio 1): pg loss = -(weighted) mean advantage. Episode: -(2 x 1 + 3 x (2/3) x -1) / 4 = 0; sequence: -(1 - 3) / 4 = 0.5.
    expect(ep.loss).toBeCloseTo(0, 4);
    expect(ep.pgLoss).toBeCloseTo(0, 4);
    expect(sq.loss).toBeCloseTo(0.5, 4);
    opt.dispose();
    model.dispose();
  });
});

const stepStage = (algorithm: Record<string, unknown>) => ({
  name: 't', seed: 3,
  model: { preset: 'tiny', overrides: { maxSeq: 192 } },
  sampling: { temperature: 1, maxTokens: 6 },
  stages: [{
    type: 'mgt', envs: [{ id: 'Sokoban-v0', mode: 'image', style: 'step', maxTurns: 3, historyLength: 0 }],
    groupSize: 2, batch: 2, lr: 0.001, steps: 1, eval: { episodes: 0 }, algorithm,
  }],
});

describe('credit config', () => {
  const alg = (a: Record<string, unknown>) => {
    const s = validateTrainConfig(stepStage(a), configHooks).stages[0]!;
    if (s.type !== 'mgt') throw new Error('unexpected');
    return s.algorithm;
  };

  it('default unchanged: episode credit, token aggregation', () => {
    expect(alg({})).toMatchObject({ credit: { mode: 'episode' }, aggregation: 'token', estimator: 'reinforce_baseline' });
  });

  it('"turn" takes the turn defaults; the object form fills the rest; validation is idempotent', () => {
    expect(alg({ credit: 'turn' }).credit).toEqual({ mode: 'turn', gamma: 0.95, baseline: 'position', format: 'share' });
    expect(alg({ credit: { mode: 'turn', gamma: 0.8, baseline: 'group' }, aggregation: 'episode' })).toMatchObject({ credit: { mode: 'turn', gamma: 0.8, baseline: 'group', format: 'share' }, aggregation: 'episode' });
    expect(alg({ credit: { mode: 'turn', gamma: 1, format: 'turn' } }).credit).toMatchObject({ gamma: 1, format: 'turn' });
    const once = validateTrainConfig(stepStage({ credit: 'turn', aggregation: 'episode' }), configHooks);
    expect(validateTrainConfig(JSON.parse(JSON.stringify(once)), configHooks)).toEqual(once);
  });

  it('bad values are errors naming the field', () => {
    const f = 'stages[0].algorithm.';
    expect(badField(stepStage({ credit: 'turns' }))).toBe(`${f}credit`);
    expect(badField(stepStage({ credit: 3 }))).toBe(`${f}credit`);
    expect(badField(stepStage({ credit: null }))).toBe(`${f}credit`);
    expect(badField(stepStage({ credit: {} }))).toBe(`${f}credit.mode`);
    expect(badField(stepStage({ credit: { mode: 'turn', gamma: 0 } }))).toBe(`${f}credit.gamma`);
    expect(badField(stepStage({ credit: { mode: 'turn', gamma: 1.5 } }))).toBe(`${f}credit.gamma`);
    expect(badField(stepStage({ credit: { mode: 'turn', gamma: '0.9' } }))).toBe(`${f}credit.gamma`);
    expect(badField(stepStage({ credit: { mode: 'turn', baseline: 'critic' } }))).toBe(`${f}credit.baseline`);
    expect(badField(stepStage({ credit: { mode: 'turn', format: 'episode' } }))).toBe(`${f}credit.format`);
    expect(badField(stepStage({ credit: { mode: 'turn', lambda: 0.9 } }))).toBe(`${f}credit.lambda`);
    expect(badField(stepStage({ credit: { mode: 'episode', gamma: 0.9 } }))).toBe(`${f}credit.gamma`);
    expect(badField(stepStage({ aggregation: 'episodes' }))).toBe(`${f}aggregation`);
  });
});

describe('one step-mode update with per-turn credit (tiny model)', () => {
  it('runs with credit turn + aggregation episode and logs the turn-credit metrics; the trained loss is the weighted one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lmm-credit-'));
    const cfg = validateTrainConfig(stepStage({ credit: { mode: 'turn', gamma: 0.9 }, aggregation: 'episode', estimator: 'rloo' }), configHooks);
    const r = await runPipeline(cfg, { out, quiet: true, log: () => {}, noPlots: true });
    const train = readMetrics(r.metricsPath).filter((x) => x.kind === 'train');
    expect(train).toHaveLength(1);
    const t = train[0]!;
    for (const k of ['loss', 'pgLoss', 'kl', 'advAbs', 'advSolvedTurns', 'advFailedTurns', 'gradNorm', 'tokens']) expect(Number.isFinite(t[k] as number)).toBe(true);
    expect(t.tokens as number).toBeGreaterThan(0);
    expect(t.turnsPerEpisode as number).toBeGreaterThan(1); // step mode: several turns per episode
    // No KL, no entropy bonus: the loss the model trained on (tensor, with the episode weights)
    // equals the reference pgLoss computed from the same weights.
    expect(Math.abs((t.loss as number) - (t.pgLoss as number))).toBeLessThan(1e-4);
    expect(t.advAbs as number).toBeGreaterThanOrEqual(0);
  }, 120_000);
});
