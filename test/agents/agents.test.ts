import { describe, expect, it } from 'vitest';
import { make } from '../../envs/index.js';
import {
  AgentSpecError, LanguageEnv, OracleAgent, OracleError, RandomAgent, createAgent, evaluateAgent, formatReward, generateSftTraces,
  frozenLakePath, listAgents, registerAgent, runEpisodes, wilsonInterval, pairedSuccess, parseAgentSpec, type Agent,
} from '../../index.js';

describe('pairedSuccess', () => {
  it('counts discordant pairs and gives the exact two-sided McNemar p-value', () => {
    const a = [true, true, true, false, true, false, true, true, true, true];
    const b = [true, false, false, false, false, false, false, false, false, true];
    // both 2, A only 6, B only 0, neither 2: p = 2 x (1/2)^6
    const p = pairedSuccess(a, b);
    expect(p).toMatchObject({ n: 10, both: 2, onlyA: 6, onlyB: 0, neither: 2 });
    expect(p.pValue).toBeCloseTo(2 / 64, 12);
    // 23 vs 4 (hand: 2 x sum_{i<=4} C(27, i) / 2^27 = 2 x 20,475... / 134,217,728)
    const x = Array.from({ length: 27 }, (_, i) => i < 23), y = x.map((v) => !v);
    const c = [1, 27, 351, 2925, 17550].reduce((s, v) => s + v, 0);
    expect(pairedSuccess(x, y).pValue).toBeCloseTo((2 * c) / 2 ** 27, 12);
    expect(pairedSuccess([true, false], [false, true]).pValue).toBe(1);
    expect(pairedSuccess([], []).pValue).toBe(1);
    // 2,000 discordant pairs, split evenly: no overflow, p = 1
    const big = Array.from({ length: 2000 }, (_, i) => i % 2 === 0);
    expect(pairedSuccess(big, big.map((v) => !v)).pValue).toBe(1);
    expect(() => pairedSuccess([true], [])).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  it('matches known values and stays inside [0, 1]', () => {
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 3);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('agent registry', () => {
  it('parses specs with colons in the argument and lists kinds', async () => {
    expect(parseAgentSpec('openai:http://h:1/v1#m')).toEqual({ kind: 'openai', arg: 'http://h:1/v1#m' });
    expect(parseAgentSpec('random')).toEqual({ kind: 'random', arg: '' });
    expect(listAgents().map((a) => a.name)).toEqual(expect.arrayContaining(['random', 'oracle', 'openai']));
    await expect(createAgent('telepathy:x')).rejects.toThrow(AgentSpecError);
    await expect(createAgent('')).rejects.toThrow(/empty/);
  });
  it('accepts third-party agent kinds', async () => {
    registerAgent('constant-test', (arg) => ({ name: `constant:${arg}`, act: async (obs) => new RandomAgent().actSync(obs) }), 'test');
    expect((await createAgent('constant-test:x')).name).toBe('constant:x');
  });
});

describe('random agent', () => {
  it('always answers in the strict format, deterministically per episode seed', async () => {
    const run = async () => {
      const envs = [0, 1].map(() => new LanguageEnv(make('FrozenLake-v0'), { interaction: 'plan', maxActions: 8 }));
      return runEpisodes(new RandomAgent(), envs, { seeds: [1, 2, 3, 4] });
    };
    const a = await run(), b = await run();
    expect(a.map((r) => r.turns[0]!.response)).toEqual(b.map((r) => r.turns[0]!.response));
    for (const r of a) {
      expect(formatReward(r.turns[0]!.response)).toBe(1);
      expect(r.turns[0]!.parse.ok).toBe(true);
    }
  });
  it('answers free-text tasks with numbers from the statement', async () => {
    const env = new LanguageEnv(make('Countdown-v0'));
    const r = await runEpisodes(new RandomAgent(), [env], { seeds: [0] });
    expect(r[0]!.turns[0]!.parse.answer).toMatch(/^\d+ [-+*/] \d+$/);
  });
});

describe('oracles', () => {
  it('FrozenLake BFS finds shortest hole-free paths', () => {
    expect(frozenLakePath(['SFFF', 'FHFH', 'FFFH', 'HFFG'], 0)).toHaveLength(6);
    expect(frozenLakePath(['SH', 'HG'], 0)).toBeNull();
  });

  const cases: [string, Record<string, unknown>, 'step' | 'plan', number][] = [
    ['FrozenLake-v0', { slippery: false }, 'step', 1],
    ['FrozenLake-v0', { slippery: false, map: '8x8' }, 'plan', 50],
    ['Sokoban-v0', { width: 6, height: 6, boxes: 1 }, 'step', 1],
    ['Sokoban-v0', { width: 6, height: 6, boxes: 1 }, 'plan', 50],
    ['Sokoban-v0', { width: 7, height: 7, boxes: 2 }, 'step', 3],
    ['Football-v0', { scenario: 'academy_empty_goal_close' }, 'step', 1],
    ['Countdown-v0', { difficulty: 'hard' }, 'step', 1],
    ['Arithmetic-v0', { difficulty: 'hard' }, 'step', 1],
  ];
  for (const [id, opts, interaction, maxActions] of cases) {
    it(`solves ${id} ${JSON.stringify(opts)} in ${interaction} mode with formatted reasoning`, async () => {
      const report = await evaluateAgent({ envId: id, envOptions: opts, agent: new OracleAgent(), episodes: 6, seed: 100, interaction, language: { maxActions } });
      expect(report.successRate).toBe(1);
      expect(report.formatValidRate).toBe(1);
      for (const ep of report.perEpisode) expect(ep.trace![0]!.response).toMatch(/^<think>.{10,}<\/think><answer>.+<\/answer>$/s);
    });
  }

  it('Sokoban plan mode gets the MageBench score 100 for optimal plans, less for random ones', async () => {
    const o = await evaluateAgent({ envId: 'Sokoban-v0', agent: new OracleAgent(), episodes: 4, interaction: 'plan' });
    expect(o.scores['magebench-sokoban']).toMatchObject({ mean: 100, n: 4 });
    const r = await evaluateAgent({ envId: 'Sokoban-v0', agent: new RandomAgent(1), episodes: 8, interaction: 'plan' });
    expect(r.scores['magebench-sokoban']!.mean).toBeLessThan(100);
  });

  it('a Boxoban file whose moves= header lies fails the plan score with InvalidLevelError (issue 18)', async () => {
    const rows = '######\n#    #\n# $@ #\n#.   #\n######'; // optimal: 4 moves
    const run = (moves: number) => evaluateAgent({ envId: 'Boxoban-v0', envOptions: { text: `; 0 moves=${moves}\n${rows}\n` }, agent: new OracleAgent(), episodes: 1, interaction: 'plan' });
    expect((await run(4)).scores['magebench-sokoban']).toMatchObject({ mean: 100, n: 1 });
    await expect(run(1)).rejects.toThrow(/Boxoban text, line 1: the header says moves=1, but level 0's optimal solution takes 4 moves/);
  });

  it('needs the env and a known env', async () => {
    const env = new LanguageEnv(make('FrozenLake-v0'));
    const obs = env.reset({ seed: 0 }).observation;
    await expect(new OracleAgent().act(obs)).rejects.toThrow(OracleError);
    await expect(new OracleAgent().act({ ...obs, envId: 'Unknown-v0' }, { env: env.env })).rejects.toThrow(/no oracle/);
  });
});

describe('evaluateAgent', () => {
  it('reports success with a Wilson interval, rates, means and per-episode records', async () => {
    const r = await evaluateAgent({ envId: 'FrozenLake-v0', envOptions: { slippery: false }, agent: new RandomAgent(), episodes: 20, seed: 7 });
    expect(r).toMatchObject({ version: 1, envId: 'FrozenLake-v0', mode: 'text', interaction: 'step', seed: 7, episodes: 20 });
    expect(r.perEpisode.map((e) => e.seed)).toEqual(Array.from({ length: 20 }, (_, i) => 7 + i));
    expect(r.successInterval95).toEqual(wilsonInterval(r.successes, 20));
    expect(r.formatValidRate).toBe(1);
    expect(r.meanSteps).toBeCloseTo(r.perEpisode.reduce((a, e) => a + e.steps, 0) / 20, 12);
    expect(r.envOptions).toMatchObject({ slippery: false });
  });

  it("records agent errors per episode with onError 'record', aborts by default", async () => {
    const broken: Agent = { name: 'broken', act: async () => { throw new Error('server exploded'); } };
    await expect(evaluateAgent({ envId: 'Countdown-v0', agent: broken, episodes: 2 })).rejects.toThrow(/exploded/);
    const r = await evaluateAgent({ envId: 'Countdown-v0', agent: broken, episodes: 3, onError: 'record' });
    expect(r.errors).toBe(3);
    expect(r.successRate).toBe(0);
    expect(r.perEpisode[0]!.error).toMatch(/server exploded/);
  });

  it('batches observations through actBatch when the agent has one', async () => {
    const sizes: number[] = [];
    const batched: Agent = {
      name: 'batched', concurrency: 4,
      act: async () => { throw new Error('act must not be called'); },
      actBatch: async (obs, ctx) => { sizes.push(obs.length); return obs.map((o, i) => new OracleAgent().actSync(o, ctx![i])); },
    };
    const r = await evaluateAgent({ envId: 'Countdown-v0', agent: batched, episodes: 10 });
    expect(r.successRate).toBe(1);
    expect(Math.max(...sizes)).toBe(4);
  });
});

describe('SFT traces', () => {
  it('are oracle responses on the prompts the RL stage shows, deterministic, from won episodes', () => {
    const src = [{ envId: 'Sokoban-v0', episodes: 3, interaction: 'plan' as const }, { envId: 'Countdown-v0', episodes: 3 }, { envId: 'Sokoban-v0', episodes: 2, mode: 'image' as const }];
    const a = generateSftTraces(src, { seed: 5 });
    const b = generateSftTraces(src, { seed: 5 });
    expect(a.map((t) => t.response)).toEqual(b.map((t) => t.response));
    expect(a.filter((t) => t.interaction === 'plan')).toHaveLength(3);
    expect(a.filter((t) => t.envId === 'Countdown-v0')).toHaveLength(3);
    expect(a.every((t) => t.episodeSuccess && formatReward(t.response) === 1)).toBe(true);
    const img = a.filter((t) => t.mode === 'image');
    expect(img.length).toBeGreaterThan(2);
    expect(img.every((t) => t.image && !t.userPrompt.includes('#'))).toBe(true);
  });
});
