import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { Rng } from '../../envs/core/rng.js';
import { LmmModel } from '../../agents/model/model.js';
import { modelInput } from '../../agents/model/agent.js';
import { initBackend } from '../../agents/model/backend.js';
import { collectInformativeRollouts, collectRollouts, episodeComponents, pickWeighted, type CollectOptions, type RolloutBatch, type RolloutEpisode } from '../../training/rollout/collect.js';
import { validateTrainConfig } from '../../training/pipeline/config.js';
import { configHooks } from '../../training/pipeline/run.js';

describe('rollouts', () => {
  it('plays G episodes per start state (same seed) and keeps each turn\'s sample', async () => {
    await initBackend({ log: () => {} });
    const cfg = validateTrainConfig({
      stages: [{ type: 'mgt', steps: 1, lr: 1e-3, envs: [
        { id: 'Sokoban-v0', mode: 'image', style: 'step', maxTurns: 2 },
        { id: 'Countdown-v0', options: { difficulty: 'easy' } },
      ] }],
    }, configHooks);
    const stage = cfg.stages[0]!;
    if (stage.type === 'prime') throw new Error('unexpected');
    const model = LmmModel.create({ preset: 'tiny', config: { maxSeq: 192 }, seed: 1 });
    const batch = await collectRollouts({
      model, promptOf: modelInput, envs: stage.envs, groups: 3, groupSize: 2,
      sampling: { temperature: 1, topP: 1, maxTokens: 5 }, rewardWeights: stage.rewards, rng: new Rng(5), seedLimit: 1000,
    });
    expect(batch.episodes).toHaveLength(6);
    for (let g = 0; g < 3; g++) {
      const [a, b] = [batch.episodes[2 * g]!, batch.episodes[2 * g + 1]!];
      expect(a.group).toBe(g);
      expect(a.seed).toBe(b.seed);
      expect(a.envIndex).toBe(b.envIndex);
      expect(a.seed).toBeLessThan(1000);
    }
    for (const e of batch.episodes) {
      expect(e.samples).toHaveLength(e.result.turns.length);
      expect(e.result.turns.length).toBeLessThanOrEqual(e.envIndex === 0 ? 2 : 1);
      for (const s of e.samples) {
        expect(s.tokenIds.length).toBe(s.logProbs.length);
        expect(s.tokenIds.length).toBeLessThanOrEqual(5);
        expect(Boolean(s.input.image)).toBe(e.envIndex === 0); // image mode carries the frame
      }
      expect(e.reward).toBeCloseTo(e.components.accuracy! + 0.5 * e.components.format! + e.components.penalty!, 12);
    }
    model.dispose();
  });

  it('episode components: success, format share, env return, share of turns whose reasoning checks', () => {
    const turn = (formatOk: boolean, reasoning?: number) => ({ rewards: reasoning === undefined ? { penalty: formatOk ? 0 : -0.1 } : { penalty: formatOk ? 0 : -0.1, reasoning } });
    const c = episodeComponents({ success: true, formatValidTurns: 1, envReturn: 9.7, turns: [turn(true), turn(false)] } as never);
    expect(c).toEqual({ accuracy: 1, format: 0.5, env: 9.7, penalty: -0.1 }); // no reasoning check ran
    const r = episodeComponents({ success: false, formatValidTurns: 3, envReturn: 0, turns: [turn(true, 1), turn(true, 0), turn(true, 1)] } as never);
    expect(r.reasoning).toBeCloseTo(2 / 3, 12);
    const rng = new Rng(3);
    const counts = [0, 0];
    for (let i = 0; i < 2000; i++) counts[pickWeighted([1, 3], rng)]!++;
    expect(counts[1]! / 2000).toBeGreaterThan(0.7);
    expect(counts[1]! / 2000).toBeLessThan(0.8);
  });
});

describe('dynamic sampling (collectInformativeRollouts)', () => {
  // Fake rounds of 2 groups x G 2: each group's two rewards are given, so which groups are
  // informative (rewards differ) is known.
  const round = (groups: [number, number][], tag: number): RolloutBatch => ({
    episodes: groups.flatMap(([a, b], g) => [a, b].map((reward, i) => ({ reward, group: g, seed: tag * 10 + g, envIndex: 0, components: { accuracy: reward }, samples: [], result: { turns: [] } }) as unknown as RolloutEpisode)),
    groupSize: 2, generatedTokens: 10, seconds: 1,
  });
  const options = { groups: 2, groupSize: 2 } as CollectOptions;
  const fake = (rounds: RolloutBatch[]) => { let i = 0; return async () => rounds[i++]!; };

  it('keeps the informative groups, samples more rounds until the batch is full, renumbers groups', async () => {
    const r = await collectInformativeRollouts(options, 5, fake([round([[1, 1], [0, 1]], 1), round([[0, 0], [0, 0]], 2), round([[1, 0], [0.5, 1]], 3)]));
    expect(r.rounds).toBe(3);
    expect(r.batch.episodes.map((e) => e.seed)).toEqual([11, 11, 30, 30]);
    expect(r.batch.episodes.map((e) => e.group)).toEqual([0, 0, 1, 1]);
    expect(r.sampled.episodes).toHaveLength(12);
    expect(r.sampled.episodes.map((e) => e.group)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(r.batch.generatedTokens).toBe(30);
  });

  it('stops after maxRounds with fewer groups; with none informative it returns the first round', async () => {
    const few = await collectInformativeRollouts(options, 2, fake([round([[1, 1], [0, 1]], 1), round([[0, 0], [1, 1]], 2), round([[1, 0], [1, 0]], 3)]));
    expect(few.rounds).toBe(2);
    expect(few.batch.episodes.map((e) => e.seed)).toEqual([11, 11]);
    const none = await collectInformativeRollouts(options, 2, fake([round([[1, 1], [0, 0]], 1), round([[0, 0], [1, 1]], 2)]));
    expect(none.batch.episodes.map((e) => e.seed)).toEqual([10, 10, 11, 11]);
    expect(none.sampled.episodes).toHaveLength(8);
    const one = await collectInformativeRollouts(options, 1, fake([round([[0, 1], [1, 1]], 1)]));
    expect(one.rounds).toBe(1);
    await expect(collectInformativeRollouts(options, 0, fake([]))).rejects.toThrow(/maxRounds/);
  });
});
