// GRF's observations (simple115 / simple115v2, the super mini-map, the raw dict), checked
// against literal ports of GRF's wrappers applied to the raw state; GRF's rewards likewise;
// and the start states of the scenarios added for issue 17.
import { describe, expect, it } from 'vitest';
import {
  make, FootballEnv, FootballAction as A, FOOTBALL_PHYSICS as PHYS, SMM_HEIGHT, SMM_WIDTH, SMM_PLANES, SIMPLE115_SIZE,
  scriptedFootballAction, writeSimple115, writeSimple115Grf, writeSmm, type Env, type FootballRawState, getFootballScenario,
} from '../../index.js';

const raw = (env: Env): FootballEnv => env.unwrapped as FootballEnv;

/** GRF's Simple115StateWrapper.convert_observation for one player, ported line by line. */
function grfSimple115(obs: FootballRawState, fixedPositions: boolean): number[] {
  const flatten = (a: [number, number][]) => a.flat();
  const o: number[] = [];
  if (fixedPositions) {
    (['left_team', 'left_team_direction', 'right_team', 'right_team_direction'] as const).forEach((name, i) => {
      o.push(...flatten(obs[name]));
      if (o.length < (i + 1) * 22) o.push(...new Array((i + 1) * 22 - o.length).fill(-1));
    });
  } else {
    o.push(...flatten(obs.left_team), ...flatten(obs.left_team_direction), ...flatten(obs.right_team), ...flatten(obs.right_team_direction));
  }
  if (o.length < 88) o.push(...new Array(88 - o.length).fill(-1));
  o.push(...obs.ball, ...obs.ball_direction);
  if (obs.ball_owned_team === -1) o.push(1, 0, 0);
  if (obs.ball_owned_team === 0) o.push(0, 1, 0);
  if (obs.ball_owned_team === 1) o.push(0, 0, 1);
  const active = new Array(11).fill(0);
  if (obs.active !== -1) active[obs.active] = 1;
  o.push(...active);
  const mode = new Array(7).fill(0);
  mode[obs.game_mode] = 1;
  o.push(...mode);
  return o;
}

/** GRF's observation_preprocessing.generate_smm / mark_points (SMM_LAYERS left_team, right_team, ball, active). */
function grfSmm(obs: FootballRawState): Uint8Array {
  const frame = new Uint8Array(72 * 96 * 4);
  const mark = (points: number[], layer: number) => {
    for (let p = 0; p < points.length / 2; p++) {
      let x = Math.trunc((points[p * 2]! - -1) / (1 - -1) * 96);
      let y = Math.trunc((points[p * 2 + 1]! - -1 / 2.25) / (1 / 2.25 - -1 / 2.25) * 72);
      x = Math.max(0, Math.min(96 - 1, x));
      y = Math.max(0, Math.min(72 - 1, y));
      frame[(y * 96 + x) * 4 + layer] = 255;
    }
  };
  // lmm-gym leaves sent-off players off the map (GRF's dict would still list them).
  mark(obs.left_team.filter((_, i) => obs.left_team_active[i]).flat(), 0);
  mark(obs.right_team.filter((_, i) => obs.right_team_active[i]).flat(), 1);
  mark([obs.ball[0], obs.ball[1]], 2);
  if (obs.active !== -1) mark(obs.left_team[obs.active]!, 3);
  return frame;
}

/** GRF's CheckpointRewardWrapper.reward for one player, ported line by line (state kept in `collected`). */
function grfCheckpoint(reward: number, o: FootballRawState, collected: { n: number }): number {
  const num = 10, per = 0.1;
  if (reward === 1) {
    reward += per * (num - collected.n);
    collected.n = num;
    return reward;
  }
  if (o.ball_owned_team !== 0 || o.ball_owned_player !== o.active) return reward;
  const d = ((o.ball[0] - 1) ** 2 + o.ball[1] ** 2) ** 0.5;
  while (collected.n < num) {
    const threshold = 0.99 - (0.8 / (num - 1)) * collected.n;
    if (d > threshold) break;
    reward += per;
    collected.n += 1;
  }
  return reward;
}

describe('simple115 / simple115_v2 / simple115_v1 and the super mini-map', () => {
  it('simple115_v2 keeps each team block at a fixed place, GRF\'s plain simple115 packs them; both equal GRF\'s wrapper on the raw state', () => {
    const v2 = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper', representation: 'simple115_v2' });
    const v1 = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper', representation: 'simple115_v1' });
    const ours = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper' });
    const a = v2.reset({ seed: 0 }).observation as Float32Array;
    const b = v1.reset({ seed: 0 }).observation as Float32Array;
    const c = ours.reset({ seed: 0 }).observation as Float32Array;
    expect([a.length, b.length]).toEqual([SIMPLE115_SIZE, SIMPLE115_SIZE]);
    const e = raw(v2).engine;
    // 4 left and 2 right players. v2: right positions at 44; v1: right positions right after the 4 left directions (16).
    expect(a[44]).toBeCloseTo(e.px[4]!, 6);
    expect(a[8]).toBe(-1);
    expect(b[16]).toBeCloseTo(e.px[4]!, 6);
    expect(b[8]).toBeCloseTo(e.vx[0]!, 6);
    expect([...b.subarray(24, 88)].every((v) => v === -1)).toBe(true);
    // Same tail (ball, owner, active, mode); on the pitch v2 equals our clamped simple115.
    expect([...a.subarray(88)]).toEqual([...b.subarray(88)]);
    expect([...a]).toEqual([...c]);
    expect(v2.observationSpace.contains(a)).toBe(true);
    expect((v2.observationSpace as unknown as { high: Float64Array }).high[0]).toBe(Infinity);
    // Off the pitch GRF's vector is not clamped, ours is.
    e.px[0] = -1.05;
    expect(writeSimple115Grf(e, true)[0]).toBeCloseTo(-1.05, 6);
    expect(writeSimple115(e)[0]).toBe(-1);
    // Value for value against GRF's wrapper, over a played 11 v 11 stretch and a drill.
    for (const scenario of ['11_vs_11_easy_stochastic', 'academy_pass_and_shoot_with_keeper']) {
      const env = make('Football-v0', { scenario });
      env.reset({ seed: 3 });
      const f = raw(env).engine;
      let checked = 0;
      for (let t = 0; t < 300; t++) {
        const r = env.step(scriptedFootballAction(f));
        if (t % 25 === 0) {
          for (const fixed of [true, false]) {
            expect([...writeSimple115Grf(f, fixed)]).toEqual([...Float32Array.from(grfSimple115(raw(env).raw(), fixed))]);
          }
          checked++;
        }
        if (r.terminated || r.truncated) break;
      }
      expect(checked).toBeGreaterThan(1);
    }
  });

  it('smm is a 72x96x4 uint8 Box: left team, right team, ball and active player marked 255 at their pixel, as GRF\'s mark_points', () => {
    const env = make('Football-v0', { scenario: '11_vs_11_easy', representation: 'smm' });
    const { observation } = env.reset({ seed: 0 });
    const o = observation as Uint8Array;
    expect(env.observationSpace.contains(o)).toBe(true);
    expect((env.observationSpace as unknown as { shape: number[] }).shape).toEqual([SMM_HEIGHT, SMM_WIDTH, SMM_PLANES]);
    expect(o.length).toBe(72 * 96 * 4);
    // The ball on the centre spot: column 48, row 36.
    expect(o[(36 * 96 + 48) * 4 + 2]).toBe(255);
    let balls = 0, actives = 0;
    for (let k = 0; k < 72 * 96; k++) { balls += o[k * 4 + 2]! / 255; actives += o[k * 4 + 3]! / 255; }
    expect([balls, actives]).toEqual([1, 1]);
    // The left keeper at (-1, 0) is in column 0, row 36.
    expect(o[(36 * 96 + 0) * 4 + 0]).toBe(255);
    const e = raw(env).engine;
    for (let t = 0; t < 120; t++) {
      const r = env.step(scriptedFootballAction(e));
      if (t % 30 === 0) expect(Buffer.compare(Buffer.from(r.observation as Uint8Array), Buffer.from(grfSmm(raw(env).raw())))).toBe(0);
    }
    // GRF's own name for it works too.
    expect((make('Football-v0', { representation: 'extracted' }).reset({ seed: 0 }).observation as Uint8Array).length).toBe(27648);
  });

  it('the raw state carries cards and sent-off players; sent-off players leave the mini-map and keep their vector slot on the bench', () => {
    const env = make('Football-v0', { scenario: '11_vs_11_easy', representation: 'simple115_v2' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    e.caution(e.nLeft + 3);
    e.caution(5); e.caution(5);
    const s = raw(env).raw();
    expect(s.right_team_yellow_card[3]).toBe(true);
    expect(s.right_team_active[3]).toBe(true);
    expect(s.left_team_yellow_card[5]).toBe(true);
    expect(s.left_team_red_card[5]).toBe(true);
    expect(s.left_team_active[5]).toBe(false);
    expect(s.left_team).toHaveLength(11);
    expect(s.left_team[5]).toEqual([-PHYS.benchX, PHYS.benchY]);
    expect(s.left_team_roles).toEqual([0, 7, 9, 2, 1, 1, 3, 5, 5, 5, 6]);
    const o = env.step(A.idle).observation as Float32Array;
    expect([o[10], o[11]]).toEqual([Math.fround(-PHYS.benchX), Math.fround(PHYS.benchY)]);
    const map = writeSmm(e);
    let left = 0;
    for (let k = 0; k < 72 * 96; k++) left += map[k * 4]! / 255;
    expect(left).toBeLessThanOrEqual(10);
    expect(env.describe()).toMatch(/^Sent off: L6 \(left 1, right 0 players short\)$/m);
    expect(env.describe()).toMatch(/R4 [A-Z]{2} \(-?\d\.\d{3}, -?\d\.\d{3}\) yellow card/);
  });
});

describe('GRF rewards', () => {
  it('scoring,checkpoints equals GRF\'s CheckpointRewardWrapper over the scoring reward, step by step', () => {
    for (const [scenario, steps] of [['academy_run_to_score_with_keeper', 400], ['11_vs_11_easy', 800], ['academy_3_vs_1_with_keeper', 400]] as const) {
      const env = make('Football-v0', { scenario, rewards: 'scoring,checkpoints' });
      env.reset({ seed: 1 });
      const e = raw(env).engine;
      const collected = { n: 0 };
      let goals = 0, paid = 0;
      for (let t = 0; t < steps; t++) {
        const r = env.step(scriptedFootballAction(e));
        const scoring = e.ev.goal === 0 ? 1 : e.ev.goal === 1 ? -1 : 0;
        const want = grfCheckpoint(scoring, raw(env).raw(), collected);
        expect(r.reward).toBeCloseTo(want, 12);
        expect(r.info.scoringReward).toBe(scoring);
        expect(r.info.checkpointReward).toBeCloseTo(want - scoring, 12);
        if (scoring === 1) goals++;
        if (want !== scoring) paid++;
        if (r.terminated || r.truncated) break;
      }
      expect(goals, scenario).toBeGreaterThan(0);
      expect(paid, scenario).toBeGreaterThan(1);
      expect(collected.n).toBe(10);
    }
  });

  it('each checkpoint is paid once per episode; scoring alone is +-1 on goals only; the shaped score stays apart', () => {
    const env = make('Football-v0', { scenario: 'academy_empty_goal', rewards: 'scoring,checkpoints' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    let total = 0, r;
    for (let t = 0; t < 45; t++) { r = env.step(A.right); total += r.reward; } // dribble up to x ~ 0.4
    const k = r!.info.checkpoints as number;
    expect(k).toBeGreaterThan(2);
    expect(total).toBeCloseTo(0.1 * k, 12);
    // Back and forward again over zones already paid: nothing more.
    let again0 = 0;
    for (let t = 0; t < 20; t++) again0 += env.step(A.left).reward;
    for (let t = 0; t < 15; t++) again0 += env.step(A.right).reward;
    expect(again0).toBe(0);
    expect(e.owner).toBe(1);
    // A fresh episode pays again.
    env.reset({ seed: 0 });
    let again = 0;
    for (let t = 0; t < 45; t++) again += env.step(A.right).reward;
    expect(again).toBeGreaterThan(0.25);
    // scoring only: nothing before the goal; shaped: its own figure, also in info when not paid.
    const scoring = make('Football-v0', { scenario: 'academy_empty_goal_close', rewards: 'scoring' });
    scoring.reset({ seed: 0 });
    const rewards: number[] = [];
    let last;
    for (let t = 0; t < 100; t++) { last = scoring.step(scriptedFootballAction(raw(scoring).engine)); rewards.push(last.reward); if (last.terminated) break; }
    expect(rewards.at(-1)).toBe(1);
    expect(rewards.slice(0, -1).every((v) => v === 0)).toBe(true);
    expect(last!.info.shapedScore).not.toBe(0);
    expect(last!.info.checkpoints).toBe(10);
  });
});

describe('scenarios added for issue 17', () => {
  it('academy_single_goal_versus_lazy: 11 v 11, our centre back on the ball, opponents that never move, 3000 steps, ends on a goal', () => {
    const s = getFootballScenario('academy_single_goal_versus_lazy');
    expect([s.left.length, s.right.length, s.gameDuration, s.endOnScore, s.endOnOutOfPlay, s.endOnPossessionChange]).toEqual([11, 11, 3000, true, false, false]);
    expect(s.right.every((p) => p.lazy === true)).toBe(true);
    const env = make('Football-v0', { scenario: 'academy_single_goal_versus_lazy' });
    const first = env.reset({ seed: 0 });
    const e = raw(env).engine;
    expect(first.info.ballOwner).toBe('L5');
    expect(s.left[4]!.role).toBe('CB');
    const startX = Float64Array.from(e.px.subarray(e.nLeft)), startY = Float64Array.from(e.py.subarray(e.nLeft));
    let r;
    for (let t = 0; t < 150; t++) { r = env.step(scriptedFootballAction(e)); if (r.terminated) break; }
    for (let j = 0; j < 11; j++) {
      if (e.owner === e.nLeft + j) continue;
      expect(Math.hypot(e.px[e.nLeft + j]! - startX[j]!, e.py[e.nLeft + j]! - startY[j]!)).toBeLessThan(1e-9);
    }
    expect(e.halfTimeStep).toBe(0);
  });

  it('1_vs_1_easy: a keeper (not controllable) and one outfield player a side, kick-off, 500 steps, easy opponent', () => {
    const env = make('Football-v0', { scenario: '1_vs_1_easy' });
    const first = env.reset({ seed: 0 });
    const e = raw(env).engine;
    expect([e.nLeft, e.n]).toEqual([2, 4]);
    expect(first.info.gameMode).toBe('kick_off');
    expect(first.info.activePlayer).toBe('L2');
    expect([e.controllable[0], e.controllable[1]]).toEqual([0, 1]);
    expect([e.difficulty[1], e.gameDuration, e.halfTimeStep, e.offsides]).toEqual([0.05, 500, 250, false]);
    let r;
    for (let t = 0; t < 500; t++) { r = env.step(scriptedFootballAction(e)); expect(r.info.activePlayer).toBe('L2'); if (r.terminated) break; }
    expect(r!.terminated).toBe(true);
    expect(e.steps).toBe(500);
  });

  it('tests.penalty and tests.offside start in the situation their rule needs; tests.second_half has half time at step 50', () => {
    const pen = make('Football-v0', { scenario: 'tests.penalty' });
    const p = pen.reset({ seed: 0 });
    const e = raw(pen).engine;
    expect(p.info.gameMode).toBe('penalty');
    expect(p.info.ballOwner).toBe('L2');
    expect(e.bx).toBeCloseTo(0.79, 9);
    expect(e.px[e.keeper[1]!]).toBeCloseTo(0.995, 9);
    expect(e.stats.penalties[0]).toBe(0); // a start, not an award
    // The scripted attacker takes it: aim, shoot.
    let r = pen.step(scriptedFootballAction(e));
    for (let t = 0; t < 5 && r.info.gameMode === 'penalty'; t++) r = pen.step(scriptedFootballAction(e));
    expect(r.info.gameMode).toBe('normal');
    const off = make('Football-v0', { scenario: 'tests.offside' });
    off.reset({ seed: 0 });
    const f = raw(off).engine;
    expect(f.offsides).toBe(true);
    expect([f.inOffsidePosition(1), f.inOffsidePosition(2), f.inOffsidePosition(3)]).toEqual([false, true, false]);
    const half = raw(make('Football-v0', { scenario: 'tests.second_half' })).engine;
    expect([half.gameDuration, half.halfTimeStep, half.n]).toEqual([100, 50, 22]);
  });
});
