import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { make } from '../../envs/index.js';
import { formatBoxoban, loadBoxobanFile, sokobanEnvOf, sokobanLevelKey, SokobanLevelSet, solveSokoban, type SokobanLevel } from '../../envs/sokoban/index.js';
import { generateSftTraces } from '../../index.js';
import { InvalidOptionError } from '../../envs/core/errors.js';

function starts(seeds: number[], options: Record<string, unknown> = {}): SokobanLevel[] {
  const env = make('Sokoban-v0', options);
  return seeds.map((seed) => { env.reset({ seed }); return sokobanEnvOf(env).initialLevel(); });
}
const seeds = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('held-out Sokoban levels', () => {
  it('keys levels by content, not by seed', () => {
    const [a, b] = starts([1, 2]);
    expect(sokobanLevelKey(a!)).toBe(sokobanLevelKey({ ...a!, cells: new Uint8Array(a!.cells), optimalMoves: null }));
    expect(sokobanLevelKey(a!)).not.toBe(sokobanLevelKey(b!));
    const set = new SokobanLevelSet([a!]);
    expect(set.has(a!)).toBe(true);
    expect(set.has(b!)).toBe(false);
  });

  it('the shipped test sets are unique by content, regenerate from their seeds and solve at the stated length', () => {
    for (const [file, options] of [['data/sokoban/test-6x6-1box.txt', {}], ['data/sokoban/test-7x7-2box.txt', { width: 7, height: 7, boxes: 2 }]] as const) {
      const levels = loadBoxobanFile(file);
      expect(levels.length).toBeGreaterThanOrEqual(200);
      expect(new Set(levels.map(sokobanLevelKey)).size).toBe(levels.length);
      // scripts/sokoban-testset.ts: the unique start states of seeds 3e9, 3e9 + 1, ...
      const regenerated = new SokobanLevelSet(starts(seeds(3_000_000_000, 300), options));
      for (const l of levels) expect(regenerated.has(l)).toBe(true);
      expect(levels.every((l) => l.optimalMoves !== null && l.optimalMoves > 0)).toBe(true);
    }
  });

  it('the shipped single-move position files (RL stages of issue 12) hold no 6x6 test level and solve at the stated length', () => {
    const test = new SokobanLevelSet(loadBoxobanFile('data/sokoban/test-6x6-1box.txt'));
    for (const file of ['data/sokoban/move-states-6x6-1box.txt', 'data/sokoban/move-states-rl1.txt', 'data/sokoban/move-states-rl2.txt']) {
      const levels = loadBoxobanFile(file);
      expect(levels.length, file).toBeGreaterThan(2000);
      expect(levels.filter((l) => test.has(l)), file).toEqual([]);
      expect(new Set(levels.map(sokobanLevelKey)).size, file).toBe(levels.length);
      for (const l of levels.slice(0, 25)) expect(solveSokoban(l)).toMatchObject({ status: 'solved', moves: l.optimalMoves });
    }
  });

  it('option heldOut: drawn start states avoid the file, explicit levels are still played', () => {
    const dir = mkdtempSync(join(tmpdir(), 'held-out-'));
    const file = join(dir, 'test.txt');
    const held = starts(seeds(0, 40));
    writeFileSync(file, formatBoxoban(held));
    const set = new SokobanLevelSet(held);
    const drawn = starts(seeds(0, 40), { heldOut: file });
    expect(drawn.filter((l) => set.has(l))).toEqual([]);
    const env = make('Sokoban-v0', { heldOut: file });
    env.reset({ seed: 0, options: { level: held[0] } });
    expect(set.has(sokobanEnvOf(env).initialLevel())).toBe(true);
    expect(() => make('Sokoban-v0', { heldOut: join(dir, 'missing.txt') })).toThrow(/cannot read/);
    expect(() => make('Sokoban-v0', { heldOut: 7 })).toThrow(InvalidOptionError);
  });

  it('oracle traces drop every episode that passes through a held-out position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'held-out-'));
    const file = join(dir, 'test.txt');
    // Hold out a mid-episode position of the traces made without the option.
    const plain = generateSftTraces([{ envId: 'Sokoban-v0', episodes: 30, mode: 'text', reasoning: 'compact' }], { seed: 9 });
    const env = make('Sokoban-v0');
    const mids: SokobanLevel[] = [];
    const bySeed = new Map<number, number>();
    for (const t of plain) bySeed.set(t.seed, (bySeed.get(t.seed) ?? 0) + 1);
    const seed = [...bySeed.entries()].find(([, n]) => n >= 3)![0];
    env.reset({ seed });
    const game = sokobanEnvOf(env).game;
    const firstMove = plain.find((t) => t.seed === seed)!.response.match(/<answer>(\w+)<\/answer>/)![1]!.toLowerCase();
    env.step(['up', 'down', 'left', 'right'].indexOf(firstMove));
    mids.push(game.toLevel());
    writeFileSync(file, formatBoxoban(mids));
    const filtered = generateSftTraces([{ envId: 'Sokoban-v0', envOptions: { heldOut: file }, episodes: 30, mode: 'text', reasoning: 'compact' }], { seed: 9 });
    expect(filtered.some((t) => t.seed === seed)).toBe(false);
    expect(filtered.length).toBeGreaterThan(0);
  });
});

describe('fixed test levels in replays', () => {
  it('an evaluated test-set episode saves its level, and the replay re-simulates exactly', async () => {
    const { evaluateAgent, OracleAgent, saveEpisodeResultReplay } = await import('../../index.js');
    const { readReplay, verifyReplay } = await import('../../replays/index.js');
    const levels = loadBoxobanFile('data/sokoban/test-6x6-1box.txt').slice(0, 3);
    const dir = mkdtempSync(join(tmpdir(), 'held-out-replay-'));
    const paths: string[] = [];
    const r = await evaluateAgent({
      envId: 'Sokoban-v0', agent: new OracleAgent('compact'), episodes: 3, seed: 77, mode: 'image', interaction: 'step',
      resetOptions: levels.map((level) => ({ level })),
      onEpisode: (result, _scores, env) => { paths.push(saveEpisodeResultReplay(dir, result, env, 'oracle')); },
    });
    expect(r.successRate).toBe(1);
    for (const p of paths) {
      const replay = readReplay(p);
      const v = verifyReplay(replay);
      expect(v.mismatches).toEqual([]);
      expect(v.ok).toBe(true);
    }
  });
});
