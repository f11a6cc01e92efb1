/**
 * From a rollout batch to what an RL update trains on: one TrainSequence per turn (its
 * sampled response), carrying that turn's advantage. Credit 'episode': the episode's group
 * advantage on every turn; 'turn': each turn's own (turn-credit.ts). Under aggregation
 * 'episode' each sequence weighs 1 / turns of its episode, so every episode weighs the same.
 */
import type { RolloutBatch } from '../rollout/collect.js';
import { computeAdvantages, type AdvantageEstimator } from './advantages.js';
import type { LossAggregation } from './loss.js';
import { episodeTurnAdvantages, type CreditConfig } from './turn-credit.js';
import type { TrainSequence } from './update.js';

/** What the advantages and weights depend on: a stage's algorithm settings, G and reward weights. */
export interface SequenceSettings {
  estimator: AdvantageEstimator;
  normalize: 'none' | 'batch';
  credit: CreditConfig;
  aggregation: LossAggregation;
  groupSize: number;
  /** The stage's reward weights (credit 'turn' scores each turn with them). */
  rewards: Readonly<Record<string, number>>;
}

export interface RolloutSequences {
  sequences: TrainSequence[];
  /** Episode advantages (credit 'episode'); null under credit 'turn'. */
  episodeAdvantages: Float64Array | null;
  /** The advantage of each turn, by episode. */
  turnAdvantages: Float64Array[];
}

export function rolloutSequences(batch: RolloutBatch, s: SequenceSettings): RolloutSequences {
  const opts = { estimator: s.estimator, groupSize: s.groupSize, normalize: s.normalize };
  const episodeAdvantages = s.credit.mode === 'episode' ? computeAdvantages(batch.episodes.map((e) => e.reward), opts) : null;
  const turnAdvantages = episodeTurnAdvantages(batch.episodes.map((e) => e.result), episodeAdvantages, s.credit, { ...opts, weights: s.rewards }).advantages;
  const sequences: TrainSequence[] = [];
  batch.episodes.forEach((e, k) => {
    e.samples.forEach((sample, t) => {
      const q: TrainSequence = { input: sample.input, tokenIds: sample.tokenIds, oldLogp: sample.logProbs, advantage: turnAdvantages[k]![t]! };
      if (s.aggregation === 'episode') q.weight = 1 / e.samples.length;
      sequences.push(q);
    });
  });
  return { sequences, episodeAdvantages, turnAdvantages };
}
