import { describe, expect, it } from 'vitest';
import { make } from '../../envs/index.js';
import {
  LanguageEnv, OracleAgent, OracleError, canonicalSokobanAction, compactSokobanReasoning, evaluateAgent, generateSftTraces,
  SokobanGame, parseLevel, sokobanEnvOf, solveSokoban, loadBoxobanFile, type SokobanLevel,
} from '../../index.js';
import { bfsOptimal } from '../sokoban/helpers.js';

const DR = [-1, 1, 0, 0], DC = [0, 0, -1, 1];
const cell = (s: string) => s.split(',').map(Number) as [number, number];

function startLevels(n: number, options: Record<string, unknown> = {}): SokobanLevel[] {
  const env = make('Sokoban-v0', options);
  return Array.from({ length: n }, (_, i) => { env.reset({ seed: 500 + i }); return sokobanEnvOf(env).initialLevel(); });
}

describe('compact Sokoban oracle', () => {
  it('picks an optimal move, the first optimal one in the order up, down, left, right', () => {
    for (const level of startLevels(25)) {
      const best = bfsOptimal(level)!;
      const a = canonicalSokobanAction(level);
      const g = new SokobanGame(level);
      g.move(a);
      expect(g.lastValid).toBe(true);
      expect(g.solved ? 0 : bfsOptimal(g.toLevel())).toBe(best - 1);
      for (let earlier = 0; earlier < a; earlier++) {
        const e = new SokobanGame(level);
        e.move(earlier);
        if (e.lastValid) expect(e.solved ? 0 : bfsOptimal(e.toLevel()) ?? Infinity).toBeGreaterThan(best - 1);
      }
    }
  });

  it('states the true positions and a sub-goal that the canonical moves reach', () => {
    for (const level of startLevels(25, { width: 7, height: 7, boxes: 2 })) {
      const { think, action } = compactSokobanReasoning(level);
      const m = /^P (\d,\d) B ((?:\d,\d ?)+) T ((?:\d,\d ?)+); push (\d,\d) (up|down|left|right) from (\d,\d)$/.exec(think);
      expect(m, think).not.toBeNull();
      const g = new SokobanGame(level);
      expect(cell(m![1]!)).toEqual([g.playerRow, g.playerCol]);
      expect(m![2]!.trim().split(' ').length).toBe(2);
      // Follow the canonical moves: the first push is from the stated cell, in the stated direction.
      let a = action;
      for (let i = 0; i < 100; i++) {
        const from = [g.playerRow, g.playerCol];
        g.move(a);
        if (g.lastPushed) {
          expect(from).toEqual(cell(m![6]!));
          const dir = ['up', 'down', 'left', 'right'].indexOf(m![5]!);
          expect(a).toBe(dir);
          expect([g.playerRow, g.playerCol]).toEqual(cell(m![4]!));
          expect([g.playerRow + DR[dir]!, g.playerCol + DC[dir]!]).not.toEqual(cell(m![4]!));
          break;
        }
        a = canonicalSokobanAction(g.toLevel());
      }
      expect(g.lastPushed).toBe(true);
    }
  });

  it('says so when there is no solution', () => {
    const dead = parseLevel(['#####', '#$ .#', '#  @#', '#####'].join('\n'));
    expect(solveSokoban(dead).status).not.toBe('solved');
    expect(canonicalSokobanAction(dead)).toBe(-1);
    expect(compactSokobanReasoning(dead).think).toMatch(/; no solution$/);
  });

  it('solves every level of the fixed 6x6 test set in step mode and is short', async () => {
    const levels = loadBoxobanFile('data/sokoban/test-6x6-1box.txt').slice(0, 40);
    const r = await evaluateAgent({
      envId: 'Sokoban-v0', agent: new OracleAgent('compact'), episodes: levels.length, mode: 'image', interaction: 'step',
      language: { maxTurns: 30 }, resetOptions: levels.map((level) => ({ level })),
    });
    expect(r.successRate).toBe(1);
    expect(r.formatValidRate).toBe(1);
    expect(r.perEpisode.map((e) => e.steps)).toEqual(levels.map((l) => l.optimalMoves));
    const verbose = generateSftTraces([{ envId: 'Sokoban-v0', episodes: 5, interaction: 'step' }], { seed: 3 });
    const compact = generateSftTraces([{ envId: 'Sokoban-v0', episodes: 5, interaction: 'step', reasoning: 'compact' }], { seed: 3 });
    const mean = (xs: { response: string }[]) => xs.reduce((a, t) => a + t.response.length, 0) / xs.length;
    expect(mean(compact)).toBeLessThan(mean(verbose) / 2);
  });

  it('plan mode answers the whole canonical plan', () => {
    const env = new LanguageEnv(make('Sokoban-v0'), { mode: 'text', interaction: 'plan' });
    const oracle = new OracleAgent('compact');
    for (let seed = 0; seed < 5; seed++) {
      const { observation } = env.reset({ seed });
      const r = oracle.actSync(observation, { env: env.env });
      expect(r.text).toMatch(/^<think>P \d,\d B \d,\d T \d,\d; \d+ moves<\/think><answer>/);
      expect(env.step(r.text).info.success).toBe(true);
    }
  });

  it('rejects an unknown style', () => {
    expect(() => new OracleAgent('chatty' as never)).toThrow(OracleError);
  });
});
