import { describe, expect, it } from 'vitest';
import { make } from '../../envs/index.js';
import {
  LanguageEnv, OracleAgent, SokobanGame, checkCompactSokobanReasoning, compactSokobanReasoning, reasoningCheckOf, sokobanEnvOf,
  SOKOBAN_ACTIONS, type SokobanLevel,
} from '../../index.js';
import { bfsOptimal } from '../sokoban/helpers.js';

/** Start states and states along a few random moves from them (mid-game positions). */
function positions(n: number, options: Record<string, unknown> = {}): SokobanLevel[] {
  const env = make('Sokoban-v0', options);
  const out: SokobanLevel[] = [];
  for (let i = 0; i < n; i++) {
    env.reset({ seed: 900 + i });
    const level = sokobanEnvOf(env).initialLevel();
    out.push(level);
    const g = new SokobanGame(level);
    for (let k = 0; k < 3; k++) g.move((i + k * 3) % 4);
    if (!g.solved && bfsOptimal(g.toLevel()) !== null) out.push(g.toLevel());
  }
  return out;
}

const ALL = { perception: true, plan: true, answer: true };

describe('checkCompactSokobanReasoning (a rule-based check of the compact reasoning)', () => {
  it("accepts the oracle's reasoning in both styles, on 6x6/1 and 7x7/2 positions", () => {
    for (const [options, n] of [[{}, 20], [{ width: 7, height: 7, boxes: 2 }, 8]] as const) {
      for (const level of positions(n, options)) {
        for (const walls of [false, true]) {
          const { think, action } = compactSokobanReasoning(level, { walls });
          expect(checkCompactSokobanReasoning(level, think, SOKOBAN_ACTIONS[action]!, { walls }), think).toEqual(ALL);
          expect(checkCompactSokobanReasoning(level, think, SOKOBAN_ACTIONS[action]!), think).toEqual(ALL); // the style read from the text
          // A reading that leaves out walls it was asked to name is not right.
          if (!walls) expect(checkCompactSokobanReasoning(level, think, SOKOBAN_ACTIONS[action]!, { walls: true }).perception).toBe(false);
        }
      }
    }
  });

  it('fails the field that is wrong: a misread position, a wrong answer, a walk onto the wrong cell, a push that is not shortest', () => {
    let suboptimalPushes = 0;
    for (const level of positions(20)) {
      const { think, action } = compactSokobanReasoning(level, { walls: true });
      const answer = SOKOBAN_ACTIONS[action]!;
      // Player read one column off.
      const misread = think.replace(/^P (\d),(\d)/, (_m, r, c) => `P ${r},${Number(c) === 1 ? 2 : 1}`);
      expect(checkCompactSokobanReasoning(level, misread, answer, { walls: true }).perception).toBe(false);
      // An answer other than the plan's first move.
      const other = SOKOBAN_ACTIONS[(action + 1) % 4]!;
      expect(checkCompactSokobanReasoning(level, think, other, { walls: true })).toEqual({ ...ALL, answer: false });
      // A walk step that names the wrong cell.
      if (think.includes('; go ')) {
        const bad = think.replace(/(; go \w+ )(\d),(\d)/, (_m, p, r, c) => `${p}${r},${Number(c) === 1 ? 4 : 1}`);
        expect(checkCompactSokobanReasoning(level, bad, answer, { walls: true }).plan).toBe(false);
      }
      // Every other push the player could make first (walk then push) that is not on a shortest solution.
      const best = bfsOptimal(level)!;
      const m = /; box (\d,\d) (\d,\d)/.exec(think)!;
      for (let dir = 0; dir < 4; dir++) {
        const g = new SokobanGame(level);
        const box = m[1]!.split(',').map(Number) as [number, number];
        const DR = [-1, 1, 0, 0], DC = [0, 0, -1, 1];
        const from = [box[0] - DR[dir]!, box[1] - DC[dir]!], to = [box[0] + DR[dir]!, box[1] + DC[dir]!];
        // Only a push straight from where the player stands: no walk needed.
        if (g.playerRow !== from[0] || g.playerCol !== from[1]) continue;
        g.move(dir);
        if (!g.lastPushed) continue;
        const left = g.solved ? 0 : bfsOptimal(g.toLevel());
        const text = think.replace(/; box .*$/, `; box ${box.join(',')} ${to.join(',')}; push ${SOKOBAN_ACTIONS[dir]} from ${from.join(',')}`);
        const r = checkCompactSokobanReasoning(level, text, SOKOBAN_ACTIONS[dir]!, { walls: true });
        expect(r.plan, text).toBe(left === best - 1);
        if (left !== best - 1) suboptimalPushes++;
      }
    }
    expect(suboptimalPushes).toBeGreaterThan(0); // the loop above did test the solver's verdict
  });

  it('never accepts a plan whose first move is not on a shortest solution (random reasonings)', () => {
    let accepted = 0;
    for (const level of positions(15)) {
      const best = bfsOptimal(level)!;
      const { think } = compactSokobanReasoning(level, { walls: true });
      const head = think.replace(/; box .*$/, '');
      for (let k = 0; k < 40; k++) {
        const g = new SokobanGame(level);
        const walk: string[] = [];
        let pushed: { dir: number; from: string; box: string; to: string } | null = null;
        for (let s = 0; s < 6 && !pushed; s++) {
          const a = (k * 7 + s * 3 + (k >> 2)) % 4, from = `${g.playerRow},${g.playerCol}`;
          g.move(a);
          if (!g.lastValid) continue;
          if (g.lastPushed) pushed = { dir: a, from, box: `${g.playerRow},${g.playerCol}`, to: `${g.playerRow + (g.playerRow - Number(from.split(',')[0]))},${g.playerCol + (g.playerCol - Number(from.split(',')[1]))}` };
          else walk.push(`${SOKOBAN_ACTIONS[a]} ${g.playerRow},${g.playerCol}`);
        }
        if (!pushed) continue;
        const text = `${head}; box ${pushed.box} ${pushed.to}; push ${SOKOBAN_ACTIONS[pushed.dir]} from ${pushed.from}${walk.length ? `; go ${walk.join(' ')}` : ''}`;
        const firstMove = walk.length ? walk[0]!.split(' ')[0]! : SOKOBAN_ACTIONS[pushed.dir]!;
        const r = checkCompactSokobanReasoning(level, text, firstMove, { walls: true });
        if (r.plan && r.answer) {
          accepted++;
          const f = new SokobanGame(level);
          f.move(SOKOBAN_ACTIONS.indexOf(firstMove as never));
          expect(f.solved ? 0 : bfsOptimal(f.toLevel()), text).toBe(best - 1);
        }
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('rejects malformed reasoning without throwing', () => {
    const level = positions(1)[0]!;
    for (const think of ['', 'P 1,1', 'P 9,9 B 1,1 T 2,2; box 1,1; push up from 9,9', 'garbage; box x; push sideways from 1,1', 'P 1,1; box 1,1 1,2; push left from 1,3; go up 1,1; extra']) {
      const r = checkCompactSokobanReasoning(level, think, 'Up');
      expect(r.plan).toBe(false);
    }
  });
});

describe('the reasoning reward in a LanguageEnv', () => {
  it('is a component only when weighted, 1 for the oracle and 0 for a misread board, checked before the move', () => {
    const env = new LanguageEnv(make('Sokoban-v0'), { mode: 'image', interaction: 'step', maxTurns: 30, rewardWeights: { reasoning: 2 } });
    const oracle = new OracleAgent('walls');
    let obs = env.reset({ seed: 4 }).observation;
    let turns = 0, first = NaN;
    for (;;) {
      const text = oracle.actSync(obs, { env: env.env }).text;
      const r = env.step(text);
      expect(r.info.rewards.reasoning).toBe(1);
      if (turns === 0) first = r.reward;
      turns++;
      if (r.terminated || r.truncated) { expect(r.info.success).toBe(true); break; }
      obs = r.observation;
    }
    expect(turns).toBeGreaterThan(1);
    obs = env.reset({ seed: 4 }).observation;
    const misread = oracle.actSync(obs, { env: env.env }).text.replace(/P (\d),(\d)/, (_m, r, c) => `P ${r},${Number(c) === 1 ? 2 : 1}`);
    const bad = env.step(misread);
    expect(bad.info.rewards.reasoning).toBe(0);
    expect(first - bad.reward).toBeCloseTo(2, 12); // the weight, and nothing else differs on a first turn
    const plain = new LanguageEnv(make('Sokoban-v0'), { mode: 'text', interaction: 'step', maxTurns: 30 });
    const p = plain.reset({ seed: 4 }).observation;
    expect(plain.step(oracle.actSync(p, { env: plain.env }).text).info.rewards.reasoning).toBeUndefined();
    expect(reasoningCheckOf('Boxoban-v0')).not.toBeNull();
    expect(reasoningCheckOf('FrozenLake-v0')).toBeNull();
  });
});
