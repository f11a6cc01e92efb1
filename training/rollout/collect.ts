/**
 * Rollouts for one RL update: `batch` groups of G episodes, each group G plays of the same
 * start state (same env and seed), played by the policy through the agent layer's lockstep
 * runner (one batched generation per turn over every running episode). Multi-turn step
 * mode, single-turn plan mode and single-step text tasks (Countdown) all come out the same
 * way: an episode with its turns, each turn one sampled response.
 *
 * Episode reward (what the group baseline compares): the rule-based components at the
 * episode level, weighted by the stage's reward weights:
 *   accuracy = 1 when the episode is solved/won, format = the fraction of turns in the
 *   format (formatRule), env = the env's own return, penalty = the summed invalid-answer penalty.
 * For single-turn tasks this is exactly LMM-R1's accuracy + 0.5 * format. By default every
 * turn of an episode gets the episode's advantage (trajectory-level credit, as RAGEN does
 * without a critic); the stage option `algorithm.credit: "turn"` scores each turn by its
 * discounted reward-to-go from the turns' own reward components instead
 * (training/rl/turn-credit.ts).
 */
import type { Rng } from '../../envs/core/rng.js';
import { runEpisodes, type EpisodeResult } from '../../agents/runner.js';
import type { LanguageEnv } from '../../tasks/language-env.js';
import type { LmmModel } from '../../agents/model/model.js';
import { composeReward } from '../../tasks/rewards/compose.js';
import { isDegenerateGroup } from '../rl/advantages.js';
import type { StageEnvSpec } from '../pipeline/config.js';
import { makeLanguageEnv } from './envs.js';
import { SamplingAgent, type PolicySample, type PromptBuilder, type SamplingSettings } from './sampling-agent.js';

export interface RolloutEpisode {
  result: EpisodeResult;
  /** Index of the env spec in the stage. */
  envIndex: number;
  group: number;
  seed: number;
  /** Episode-level reward components and their weighted total. */
  components: Record<string, number>;
  reward: number;
  /** The policy samples of the episode's turns, in order. */
  samples: PolicySample[];
}

export interface RolloutBatch {
  /** Episodes laid out group by group (episodes[g * G + i]). */
  episodes: RolloutEpisode[];
  groupSize: number;
  generatedTokens: number;
  seconds: number;
}

export interface CollectOptions {
  model: LmmModel;
  promptOf: PromptBuilder;
  envs: readonly StageEnvSpec[];
  groups: number;
  groupSize: number;
  sampling: SamplingSettings;
  rewardWeights: Record<string, number>;
  /** Draws env choices, level seeds and the sampling noise. */
  rng: Rng;
  /** Level seeds are drawn from [0, seedLimit) (held-out eval seeds start at seedLimit). */
  seedLimit: number;
  /** Reused LanguageEnvs per env spec (created on demand; kept between updates). */
  pool?: Map<number, LanguageEnv[]>;
}

/** Pick an index with probability proportional to its weight. */
export function pickWeighted(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** The episode-level reward components of a finished episode (see the module comment). */
export function episodeComponents(r: EpisodeResult): Record<string, number> {
  const turns = r.turns.length;
  let penalty = 0, reasoning = 0, checked = false;
  for (const t of r.turns) {
    penalty += t.rewards.penalty ?? 0;
    if (t.rewards.reasoning !== undefined) { checked = true; reasoning += t.rewards.reasoning; }
  }
  const out: Record<string, number> = {
    accuracy: r.success ? 1 : 0,
    format: turns ? r.formatValidTurns / turns : 0,
    env: r.envReturn,
    penalty,
  };
  // Present only when the envs checked the reasoning (its weight is non-zero).
  if (checked) out.reasoning = reasoning / turns;
  return out;
}

/** Play `groups` x `groupSize` episodes with the policy and score them. */
export async function collectRollouts(o: CollectOptions): Promise<RolloutBatch> {
  const t0 = performance.now();
  const G = o.groupSize;
  const plan: { envIndex: number; seed: number }[] = [];
  for (let g = 0; g < o.groups; g++) plan.push({ envIndex: pickWeighted(o.envs.map((e) => e.weight), o.rng), seed: o.rng.int(o.seedLimit) });
  const agent = new SamplingAgent(o.model, o.promptOf, o.sampling, o.rng);
  const episodes: RolloutEpisode[] = new Array(o.groups * G);
  const pool = o.pool ?? new Map<number, LanguageEnv[]>();
  for (let e = 0; e < o.envs.length; e++) {
    const groups = plan.map((p, g) => ({ ...p, g })).filter((p) => p.envIndex === e);
    if (groups.length === 0) continue;
    const seeds = groups.flatMap((p) => Array.from({ length: G }, () => p.seed));
    const envs = pool.get(e) ?? [];
    while (envs.length < seeds.length) envs.push(makeLanguageEnv(o.envs[e]!, o.rewardWeights));
    pool.set(e, envs);
    const results = await runEpisodes(agent, envs.slice(0, seeds.length), { seeds });
    results.forEach((result, k) => {
      const { g, seed } = groups[Math.floor(k / G)]!;
      const components = episodeComponents(result);
      const samples = result.turns.map((t) => agent.samples[t.meta!.sample as number]!);
      episodes[g * G + (k % G)] = { result, envIndex: e, group: g, seed, components, reward: composeReward(components, o.rewardWeights).total, samples };
    });
  }
  return { episodes, groupSize: G, generatedTokens: agent.generatedTokens, seconds: (performance.now() - t0) / 1000 };
}

/** The rollouts an update trains on under dynamic sampling, and every episode sampled for them. */
export interface InformativeRollouts {
  /** Groups whose rewards differ (at most `groups`), renumbered in order. */
  batch: RolloutBatch;
  /** Every episode sampled over the rounds (for the reward statistics: the kept ones are biased). */
  sampled: RolloutBatch;
  rounds: number;
}

/**
 * DAPO's dynamic sampling: a group whose G rewards are all equal has zero advantage and
 * teaches nothing (36-53% of groups in the issue-12 Sokoban runs), so such groups are
 * dropped and more are sampled, up to `maxRounds` rounds of `groups` groups, until `groups`
 * informative ones are collected (fewer when the rounds run out; when none is, `batch` is
 * the first round's, whose zero advantages leave only the KL term to train).
 */
export async function collectInformativeRollouts(o: CollectOptions, maxRounds: number, collect: (o: CollectOptions) => Promise<RolloutBatch> = collectRollouts): Promise<InformativeRollouts> {
  if (!(Number.isInteger(maxRounds) && maxRounds >= 1)) throw new RangeError(`maxRounds must be an integer >= 1, got ${maxRounds}`);
  const G = o.groupSize;
  const kept: RolloutEpisode[] = [], all: RolloutEpisode[] = [];
  let tokens = 0, seconds = 0, rounds = 0, first: RolloutEpisode[] = [];
  while (rounds < maxRounds && kept.length < o.groups * G) {
    const b = await collect(o);
    rounds++;
    tokens += b.generatedTokens; seconds += b.seconds;
    if (rounds === 1) first = b.episodes;
    const rewards = b.episodes.map((e) => e.reward);
    for (let start = 0; start < b.episodes.length; start += G) {
      const group = b.episodes.slice(start, start + G);
      const sampledId = all.length / G, keptId = kept.length / G;
      for (const e of group) all.push({ ...e, group: sampledId });
      if (!isDegenerateGroup(rewards, start, G) && kept.length < o.groups * G) for (const e of group) kept.push({ ...e, group: keptId });
    }
  }
  return {
    batch: { episodes: kept.length ? kept : first, groupSize: G, generatedTokens: tokens, seconds },
    sampled: { episodes: all, groupSize: G, generatedTokens: tokens, seconds },
    rounds,
  };
}
