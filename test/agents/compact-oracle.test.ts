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

  it('states the true positions, the box route, the push and the walk that the canonical moves follow', () => {
    for (const [options, count] of [[{}, 25], [{ width: 7, height: 7, boxes: 2 }, 15]] as const) {
      for (const level of startLevels(count, options)) {
        const { think, action } = compactSokobanReasoning(level);
        const m = /^P (\d,\d) B ((?:\d,\d ?)+) T ((?:\d,\d ?)+); box ((?:\d,\d ?)+); push (up|down|left|right) from (\d,\d)(?:; go ((?:(?:up|down|left|right) \d,\d ?)+))?$/.exec(think);
        expect(m, think).not.toBeNull();
        const g = new SokobanGame(level);
        expect(cell(m![1]!)).toEqual([g.playerRow, g.playerCol]);
        expect(m![2]!.trim().split(' ').length).toBe(g.boxes);
        const route = m![4]!.trim().split(' ').map(cell);
        const walkWords = m![7] ? m![7].trim().split(' ') : [];
        const walk = walkWords.filter((_, i) => i % 2 === 1).map(cell);
        const walkDirs = walkWords.filter((_, i) => i % 2 === 0).map((d) => ['up', 'down', 'left', 'right'].indexOf(d));
        if (walkDirs.length) expect(action).toBe(walkDirs[0]);
        const dir = ['up', 'down', 'left', 'right'].indexOf(m![5]!);
        // Follow the canonical moves: the walk cells in order, then the first push from the stated cell.
        let a = action;
        for (const [k, w] of walk.entries()) {
          expect(a).toBe(walkDirs[k]);
          g.move(a);
          expect(g.lastPushed).toBe(false);
          expect([g.playerRow, g.playerCol]).toEqual(w);
          a = canonicalSokobanAction(g.toLevel());
        }
        expect([g.playerRow, g.playerCol]).toEqual(cell(m![6]!));
        expect(a).toBe(dir);
        g.move(a);
        expect(g.lastPushed).toBe(true);
        // The box moved from route[0] to route[1], one cell in the push direction.
        expect([g.playerRow, g.playerCol]).toEqual(route[0]);
        expect(route[1]).toEqual([route[0]![0] + DR[dir]!, route[0]![1] + DC[dir]!]);
        for (let i = 1; i < route.length; i++) expect(Math.abs(route[i]![0] - route[i - 1]![0]) + Math.abs(route[i]![1] - route[i - 1]![1])).toBe(1);
      }
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
    expect(mean(compact)).toBeLessThan(mean(verbose));
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

  it('walls style: names exactly the walls inside the outer ring, then reasons and moves as compact', () => {
    for (const [options, count] of [[{}, 20], [{ width: 7, height: 7, boxes: 2 }, 10]] as const) {
      for (const level of startLevels(count, options)) {
        const plain = compactSokobanReasoning(level);
        const walled = compactSokobanReasoning(level, { walls: true });
        expect(walled.action).toBe(plain.action);
        const m = /^(P [^;]+); wall (none|(?:\d,\d ?)+)(;.*)$/.exec(walled.think);
        expect(m, walled.think).not.toBeNull();
        // The rest is the compact reasoning with the wall segment taken out.
        expect(`${m![1]}${m![3]}`).toBe(plain.think);
        const named = m![2] === 'none' ? [] : m![2]!.split(' ').map(cell);
        const inner: [number, number][] = [];
        const rows = level.height, cols = level.width;
        for (let r = 1; r < rows - 1; r++) for (let c = 1; c < cols - 1; c++) if (level.cells[r * cols + c] === 0) inner.push([r, c]);
        expect(named).toEqual(inner);
      }
    }
    const open = parseLevel(['#####', '#@$.#', '#   #', '#####'].join('\n'));
    expect(compactSokobanReasoning(open, { walls: true }).think).toMatch(/^P 1,1 B 1,2 T 1,3; wall none; box 1,2 1,3; push right from 1,1$/);
    const env = new LanguageEnv(make('Sokoban-v0'), { mode: 'image', interaction: 'step' });
    const { observation } = env.reset({ seed: 4 });
    expect(new OracleAgent('walls').actSync(observation, { env: env.env }).text).toMatch(/^<think>P \d,\d B \d,\d T \d,\d; wall [^;]+; box /);
  });

  it('rejects an unknown style', () => {
    expect(() => new OracleAgent('chatty' as never)).toThrow(OracleError);
  });
});
