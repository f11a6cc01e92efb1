// The rules added for issue 17, each in a constructed situation: offside (judged at the
// moment of the pass, indirect free kick), fouls and penalty kicks, yellow and red cards,
// sent-off players, half time and full time.
import { describe, expect, it } from 'vitest';
import {
  make, FootballEnv, FootballAction as A, FootballGameMode as M, FOOTBALL_PHYSICS as PHYS, PENALTY_BOX_DEPTH,
  type Env, type FootballEngine,
} from '../../index.js';

const raw = (env: Env): FootballEnv => env.unwrapped as FootballEnv;

function place(e: FootballEngine, i: number, x: number, y: number, dx = 1, dy = 0): void {
  e.px[i] = x; e.py[i] = y; e.vx[i] = 0; e.vy[i] = 0; e.dx[i] = dx; e.dy[i] = dy; e.tvx[i] = 0; e.tvy[i] = 0;
}

/** Player i holds the ball at his feet, in open play. */
function withBall(e: FootballEngine, i: number, x: number, y: number, dx = 1): void {
  e.mode = M.normal; e.modeTeam = -1; e.modeTaker = -1;
  place(e, i, x, y, dx, 0);
  e.giveBall(i);
  e.bx = x + dx * PHYS.carryDistance; e.by = y;
}

/** Step with `action` until the ball has an owner again or a restart begins (at most n steps). */
function untilTaken(env: Env, action = A.idle, n = 60) {
  const e = raw(env).engine;
  let r;
  for (let t = 0; t < n; t++) {
    r = env.step(action);
    if (e.owner >= 0 || e.mode !== M.normal || r.terminated || r.truncated) break;
  }
  return r!;
}

type Ev = { goal: number; offside: number; penalty: number; foul: number; yellow: string | null; red: string | null; halfTime: boolean; fullTime: boolean; kick: number };
const ev = (r: { info: Record<string, unknown> }): Ev => r.info.event as Ev;

describe('offside', () => {
  it('a pass to a forward beyond the second-last defender is offside: indirect free kick to the defenders where he receives', () => {
    const env = make('Football-v0', { scenario: 'tests.offside' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    expect(e.owner).toBe(1); // the midfielder
    expect(e.inOffsidePosition(2)).toBe(true); // the forward, at x 0.72 beyond the centre backs at 0.6
    expect(e.inOffsidePosition(3)).toBe(false); // the winger, level with them
    const pass = env.step(A.short_pass);
    expect(ev(pass).kick).toBe(1);
    expect(e.offsideTeam).toBe(0);
    expect([...e.offsidePos.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    const r = untilTaken(env);
    expect(ev(r).offside).toBe(0);
    expect(r.info.gameMode).toBe('free_kick');
    expect(e.modeTeam).toBe(1);
    expect(e.modeIndirect).toBe(true);
    expect(e.teamOf(e.owner)).toBe(1);
    expect(Math.abs(e.bx - e.px[2]!)).toBeLessThan(0.03); // where the forward became involved
    expect(e.stats.offsides[0]).toBe(1);
    expect(r.terminated).toBe(false);
  });

  it('the same pass to a forward level or behind the line is not offside', () => {
    const env = make('Football-v0', { scenario: 'tests.offside' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    place(e, 2, 0.58, 0);
    env.step(A.short_pass);
    expect(e.offsideTeam).toBe(-1);
    const r = untilTaken(env);
    expect(ev(r).offside).toBe(-1);
    expect(r.info.ballOwner).toBe('L3');
    expect(r.info.gameMode).toBe('normal');
  });

  it('is judged at the moment of the pass, not where the receiver is when the ball arrives', () => {
    // Onside at the pass, beyond the line at the receipt: play on.
    const env = make('Football-v0', { scenario: 'tests.offside' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    place(e, 2, 0.58, 0);
    env.step(A.short_pass);
    place(e, 2, 0.66, 0);
    expect(e.inOffsidePosition(2)).toBe(true);
    let r = untilTaken(env);
    expect(ev(r).offside).toBe(-1);
    expect(r.info.ballOwner).toBe('L3');
    // Offside at the pass, back onside at the receipt: still offside.
    env.reset({ seed: 0 });
    env.step(A.short_pass);
    place(e, 2, 0.5, 0);
    expect(e.inOffsidePosition(2)).toBe(false);
    r = untilTaken(env);
    expect(ev(r).offside).toBe(0);
    expect(r.info.gameMode).toBe('free_kick');
  });

  it('no offside in the own half, or straight from a throw-in; none at all where a scenario turns it off', () => {
    const env = make('Football-v0', { scenario: 'tests.offside' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    // Own half: the whole play moved back behind the halfway line.
    withBall(e, 1, -0.5, 0);
    place(e, 2, -0.1, 0); place(e, 3, -0.6, -0.3); place(e, 5, -0.2, 0.25); place(e, 6, -0.2, -0.25);
    expect(e.offsideLine(0)).toBe(-0.2); // the forward is beyond it, but in his own half
    env.step(A.short_pass);
    expect(e.offsideTeam).toBe(-1);
    // A throw-in: the forward beyond the line may receive it.
    env.reset({ seed: 0 });
    e.startSetPiece(M.throwIn, 0, 0.5, 0.42, true);
    e.active = e.modeTaker;
    place(e, 2, 0.66, 0.3);
    expect(e.inOffsidePosition(2)).toBe(true);
    const thrown = env.step(A.short_pass);
    expect(ev(thrown).kick).toBe(1);
    expect(e.offsideTeam).toBe(-1);
    // Academy drills do not judge offside (GRF's `offsides = False`).
    const drill = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper' });
    drill.reset({ seed: 0 });
    expect(raw(drill).engine.offsides).toBe(false);
    expect(raw(make('Football-v0', { scenario: '11_vs_11_easy' })).engine.offsides).toBe(true);
  });

  it('a goal straight from an indirect free kick does not count: goal kick instead', () => {
    for (const indirect of [false, true]) {
      const env = make('Football-v0', { scenario: 'tests.offside' });
      env.reset({ seed: 0 });
      const e = raw(env).engine;
      // Nobody to stop the shot: the centre backs and the keeper stand aside.
      place(e, 5, 0.6, 0.4); place(e, 6, 0.6, -0.4); place(e, 4, 0.9, 0.4);
      e.startSetPiece(M.freeKick, 0, 0.8, 0, true);
      e.modeIndirect = indirect;
      e.active = e.modeTaker;
      let r = env.step(A.shot);
      for (let t = 0; t < 30 && !r.terminated; t++) r = env.step(A.idle);
      expect(r.terminated).toBe(true);
      expect(r.info.score).toEqual(indirect ? [0, 0] : [1, 0]);
      if (indirect) { expect(r.info.gameMode).toBe('goal_kick'); expect(e.modeTeam).toBe(1); }
    }
  });
});

describe('fouls, penalty kicks and cards', () => {
  /** 11 v 11, deterministic: right defender j slides from behind into left carrier c at (x, y). */
  function slideFromBehind(x: number, y: number, setup?: (e: FootballEngine) => void) {
    const env = make('Football-v0', { scenario: '11_vs_11_easy' });
    env.reset({ seed: 1 });
    const e = raw(env).engine;
    const c = 2, j = e.nLeft + 4;
    withBall(e, c, x, y);
    e.active = c; // the agent's player: he stands still with `idle`
    place(e, j, x - 0.02, y);
    e.slide[j] = PHYS.slideSteps;
    setup?.(e);
    const r = env.step(A.idle);
    return { env, e, r, c, j };
  }

  it('a foul in the box is a penalty kick: taker on the spot, keeper on his line, everyone else outside the box and the arc', () => {
    const { e, r, c, j } = slideFromBehind(0.85, 0.05);
    expect(ev(r).foul).toBe(1);
    expect(ev(r).penalty).toBe(0);
    expect(r.info.gameMode).toBe('penalty');
    expect(e.modeTeam).toBe(0);
    expect(e.modeTaker).toBe(c); // the fouled player takes it
    expect(e.bx).toBeCloseTo(0.79, 9);
    expect(e.by).toBe(0);
    const gk = e.keeper[1]!;
    expect(e.px[gk]).toBeCloseTo(0.995, 6);
    expect(e.py[gk]).toBe(0);
    for (let i = 0; i < e.n; i++) {
      if (i === c || i === gk) continue;
      expect(e.px[i]!).toBeLessThan(1 - PENALTY_BOX_DEPTH);
      expect(Math.hypot(e.px[i]! - 0.79, e.py[i]!)).toBeGreaterThanOrEqual(PHYS.restartDistance);
    }
    // Reckless (a slide from behind) and it denied a clear chance: inside the box that is a yellow, not a red.
    expect(ev(r).yellow).toBe(`R${j - e.nLeft + 1}`);
    expect(ev(r).red).toBeNull();
    expect(e.stats.penalties[0]).toBe(1);
    expect(e.stats.fouls[1]).toBe(1);
  });

  it('the penalty is taken: the kick restarts play; the AI takes its own penalties', () => {
    const { env, e } = slideFromBehind(0.85, 0.05);
    // Everyone waits for the kick outside the box and the arc; the keeper on his line.
    const gk = e.keeper[1]!;
    for (let t = 0; t < 10; t++) {
      const wait = env.step(A.idle);
      expect(wait.info.gameMode).toBe('penalty');
      expect(e.px[gk]).toBeCloseTo(0.995, 9);
      for (let i = 0; i < e.n; i++) {
        if (i === e.modeTaker || i === gk) continue;
        expect(e.px[i]!).toBeLessThan(1 - PENALTY_BOX_DEPTH);
        expect(Math.hypot(e.px[i]! - 0.79, e.py[i]!)).toBeGreaterThanOrEqual(PHYS.restartDistance);
      }
    }
    const kick = env.step(A.shot);
    expect(ev(kick).kick).toBe(4);
    expect(kick.info.gameMode).toBe('normal');
    let r = kick;
    for (let t = 0; t < 30 && ev(r).goal === -1 && e.owner < 0; t++) r = env.step(A.idle);
    expect(e.stats.penaltyGoals[0]).toBe(e.scoreLeft); // a goal from it counts as a penalty goal
    // A foul by the agent's team in its own box: the right team's AI takes the penalty by itself.
    const env2 = make('Football-v0', { scenario: '11_vs_11_easy' });
    env2.reset({ seed: 2 });
    const f = raw(env2).engine;
    const carrier = f.nLeft + 2;
    withBall(f, carrier, -0.75, 0.02, -1); // out of the AI's shooting range, inside the box
    const a = 4;
    place(f, a, -0.73, 0.02, -1);
    f.active = a;
    f.slide[a] = PHYS.slideSteps;
    const foul = env2.step(A.idle);
    expect(ev(foul).penalty).toBe(1);
    expect(f.modeTeam).toBe(1);
    let shot = false;
    for (let t = 0; t < 10 && !shot; t++) shot = ev(env2.step(A.idle)).kick === 4;
    expect(shot).toBe(true);
  });

  it('outside the box the same foul is a direct free kick where it happened; a straight red for denying an obvious chance', () => {
    // Far from goal: a yellow (reckless), free kick.
    let { e, r, j } = slideFromBehind(0.3, 0.05);
    expect(r.info.gameMode).toBe('free_kick');
    expect(e.modeTeam).toBe(0);
    expect(e.modeIndirect).toBe(false);
    expect(e.yellow[j]).toBe(1);
    expect(e.onPitch[j]).toBe(1);
    // Just outside the box, clear through on goal (no defender but the keeper ahead): straight red.
    ({ e, r, j } = slideFromBehind(0.66, 0.05));
    expect(r.info.gameMode).toBe('free_kick');
    expect(ev(r).red).toBe(`R${j - e.nLeft + 1}`);
    expect(ev(r).yellow).toBeNull();
    expect(e.yellow[j]).toBe(0);
    expect(e.onPitch[j]).toBe(0);
    expect(e.stats.redCards[1]).toBe(1);
    // The same with a covering defender between the ball and the goal: only the yellow.
    ({ e, r, j } = slideFromBehind(0.66, 0.05, (f) => place(f, f.nLeft + 5, 0.85, 0.1)));
    expect(ev(r).red).toBeNull();
    expect(e.yellow[j]).toBe(1);
  });

  it('two yellows make a red: the player leaves the pitch and his team plays short', () => {
    const env = make('Football-v0', { scenario: '11_vs_11_easy' });
    env.reset({ seed: 6 });
    const e = raw(env).engine;
    const a = e.active, j = e.nLeft + 5;
    const id = `L${a + 1}`;
    const foulFromBehind = () => {
      // The right carrier runs away (toward -x) from the agent's player, who slides in behind him.
      withBall(e, j, e.px[a]! - 0.02, e.py[a]!, -1);
      e.dx[a] = -1; e.dy[a] = 0;
      e.active = a;
      env.step(A.left);
      return env.step(A.sliding);
    };
    const first = foulFromBehind();
    expect(ev(first).foul).toBe(0);
    expect(ev(first).yellow).toBe(id);
    expect(ev(first).red).toBeNull();
    expect(first.info.yellowCards).toEqual([id]);
    expect(e.onPitch[a]).toBe(1);
    place(e, a, 0.1, 0.1, -1);
    e.slide[a] = 0; e.cooldown[a] = 0;
    const second = foulFromBehind();
    expect(ev(second).yellow).toBe(id);
    expect(ev(second).red).toBe(id);
    expect(second.info.sentOff).toEqual([id]);
    expect(second.info.yellowCards).toEqual([]);
    expect(e.stats.yellowCards[0]).toBe(2);
    expect(e.stats.redCards[0]).toBe(1);
    expect(e.onPitch[a]).toBe(0);
    expect(e.active).not.toBe(a);
    expect([e.px[a], e.py[a]]).toEqual([-PHYS.benchX, PHYS.benchY]);
    // The text view and the raw state show it.
    const text = env.describe();
    expect(text).toMatch(new RegExp(`^Sent off: ${id} \\(left 1, right 0 players short\\)$`, 'm'));
    expect(text).not.toMatch(new RegExp(`Teammates: .*\\b${id} `));
    const state = raw(env).raw();
    expect(state.left_team_active[a]).toBe(false);
    expect(state.left_team_red_card[a]).toBe(true);
    expect(state.left_team_yellow_card[a]).toBe(true);
    expect(state.left_team_active.filter(Boolean)).toHaveLength(10);
    // He takes no further part: he stays on the bench, never gets the ball or the control.
    env.actionSpace.seed(3);
    for (let t = 0; t < 400; t++) {
      const r = env.step(env.actionSpace.sample());
      expect(e.px[a]).toBe(-PHYS.benchX);
      expect(e.owner).not.toBe(a);
      expect(e.active).not.toBe(a);
      if (r.terminated || r.truncated) break;
    }
  });

  it('the built-in AI commits fouls in stochastic play, the same ones for the same seed', () => {
    const count = (scenario: string, seed: number) => {
      const env = make('Football-v0', { scenario });
      env.reset({ seed });
      const e = raw(env).engine;
      e.autopilot = true; // the built-in AI plays both teams
      for (let t = 0; t < 1500; t++) env.step(A.idle);
      return [...e.stats.fouls, ...e.stats.yellowCards, ...e.stats.redCards];
    };
    const a = count('11_vs_11_stochastic', 4);
    expect(a[0]! + a[1]!).toBeGreaterThan(0);
    expect(count('11_vs_11_stochastic', 4)).toEqual(a);
  });
});

describe('half time and full time', () => {
  it('at half of the game the ends switch and the other team kicks off; the game ends at full time', () => {
    const env = make('Football-v0', { scenario: 'tests.second_half' });
    const first = env.reset({ seed: 0 });
    const e = raw(env).engine;
    expect(first.info.gameMode).toBe('kick_off');
    expect(e.modeTeam).toBe(0);
    expect([e.halfTimeStep, e.gameDuration]).toEqual([50, 100]);
    let r = env.step(A.idle);
    e.scoreLeft = 1; // a goal in the first half carries over
    for (let t = 1; t < 49; t++) r = env.step(A.right);
    expect(r.info.half).toBe(1);
    expect(env.describe().split('\n')[0]).toMatch(/\| half 1$/);
    r = env.step(A.right);
    expect(e.steps).toBe(50);
    expect(ev(r).halfTime).toBe(true);
    expect(r.info.half).toBe(2);
    expect(r.info.gameMode).toBe('kick_off');
    expect(e.modeTeam).toBe(1);
    expect(e.teamOf(e.owner)).toBe(1);
    expect([e.bx, e.by]).toEqual([0, 0]);
    for (let i = 0; i < e.n; i++) expect(i < e.nLeft ? e.px[i]! <= 0 : e.px[i]! >= 0).toBe(true);
    expect(r.info.score).toEqual([1, 0]);
    expect(r.terminated).toBe(false);
    expect(env.describe().split('\n')[0]).toMatch(/\| half 2 \(ends switched\)$/);
    for (let t = 51; t < 100; t++) { r = env.step(A.idle); expect(r.terminated).toBe(false); }
    r = env.step(A.idle);
    expect(r.terminated).toBe(true);
    expect(ev(r).fullTime).toBe(true);
    expect(r.info.success).toBe(e.scoreLeft > e.scoreRight);
    expect(() => env.step(A.idle)).toThrow();
  });

  it('a full game is 3,000 steps with half time at 1,500 by default, and both follow the gameDuration option; drills have no half time', () => {
    const full = raw(make('Football-v0', { scenario: '11_vs_11_hard' })).engine;
    expect([full.gameDuration, full.halfTimeStep]).toEqual([3000, 1500]);
    const env = make('Football-v0', { scenario: '11_vs_11_hard', gameDuration: 400 });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    expect([e.gameDuration, e.halfTimeStep]).toEqual([400, 200]);
    let r;
    for (let t = 0; t < 200; t++) { r = env.step(A.idle); if (t < 199) expect(r.info.half).toBe(1); }
    expect(ev(r!).halfTime).toBe(true);
    expect(r!.info.stepsLeft).toBe(200);
    expect(raw(make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper' })).engine.halfTimeStep).toBe(0);
  });
});
