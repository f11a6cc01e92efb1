import { describe, expect, it } from 'vitest';
import {
  checkEnv, make, InvalidOptionError, FootballEnv, FootballAction as A, FOOTBALL_SCENARIOS, listFootballScenarios,
  registerFootballScenario, scriptedFootballDecision, SIMPLE115_SIZE, type Env, type FootballScenario, type FootballEngine,
} from '../../index.js';

const raw = (env: Env): FootballEnv => env.unwrapped as FootballEnv;

/** Put player i on (x, y) facing +x with the ball at its feet. */
function withBall(e: FootballEngine, i: number, x: number, y: number): void {
  e.px[i] = x; e.py[i] = y; e.vx[i] = 0; e.vy[i] = 0; e.dx[i] = 1; e.dy[i] = 0;
  e.giveBall(i);
  e.bx = x + 0.011; e.by = y;
}

const drill = (name: string, left: FootballScenario['left'], right: FootballScenario['right'], ball: [number, number]): FootballScenario => ({
  name, description: 'test drill', kind: 'academy', left, right, ball, gameDuration: 200,
  endOnScore: true, endOnOutOfPlay: true, endOnPossessionChange: true, leftDifficulty: 0.6, rightDifficulty: 0.6, stochastic: false,
});

registerFootballScenario(drill('test_keeper', [{ x: -1, y: 0, role: 'GK' }, { x: 0.7, y: 0, role: 'CF' }], [{ x: 1, y: 0, role: 'GK' }], [0.711, 0]), true);
registerFootballScenario(drill('test_tackle', [{ x: 0, y: 0, role: 'CF' }], [{ x: 0.025, y: 0.004, role: 'CB' }], [0.011, 0]), true);
registerFootballScenario(drill('test_slide', [{ x: 0, y: 0, role: 'CF' }], [{ x: 0.035, y: 0, role: 'CF' }], [0.024, 0]), true);
registerFootballScenario(drill('test_lob', [{ x: 0, y: 0, role: 'CM' }, { x: 0.4, y: 0, role: 'CF' }], [{ x: 0.2, y: 0, role: 'CB' }], [0.011, 0]), true);

function runUntilDone(env: Env, action: number, maxSteps = 200) {
  let last;
  for (let t = 0; t < maxSteps; t++) {
    last = env.step(action);
    if (last.terminated || last.truncated) break;
  }
  return last!;
}

describe('Football rules and physics', () => {
  it('a shot from the penalty spot at an empty goal scores', () => {
    const env = make('Football-v0', { scenario: 'academy_empty_goal_close', rewards: 'scoring' });
    env.reset({ seed: 1 });
    const e = raw(env).engine;
    withBall(e, 1, 1 - 0.21 - 0.011, 0);
    const first = env.step(A.shot);
    expect(first.info.event).toMatchObject({ kick: 4 });
    const r = first.terminated ? first : runUntilDone(env, A.idle, 20);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(1);
    expect(r.info.score).toEqual([1, 0]);
    expect(r.info.success).toBe(true);
  });

  it('a ball over the goal line outside the posts is a goal kick (attackers touched last) or a corner (defenders did)', () => {
    for (const [touch, mode, team] of [[0, 'goal_kick', 1], [1, 'corner', 0]] as const) {
      const env = make('Football-v0', { scenario: 'academy_empty_goal' });
      env.reset({ seed: 2 });
      const e = raw(env).engine;
      e.owner = -1; e.bx = 0.99; e.by = 0.2; e.bvx = 0.03; e.bvy = 0; e.bz = 0; e.bvz = 0; e.lastTouchTeam = touch;
      e.px[1] = 0.5; e.py[1] = -0.3; // keep the attacker away from the ball
      const r = env.step(A.idle);
      expect(r.terminated).toBe(true); // academy drills end when the ball goes out
      expect(r.info.gameMode).toBe(mode);
      expect(e.modeTeam).toBe(team);
      expect(r.info.score).toEqual([0, 0]);
      expect(r.info.success).toBe(false);
    }
  });

  it('a ball over the touch line is a throw-in for the other team, and play restarts in a match', () => {
    const env = make('Football-v0', { scenario: '11_vs_11_easy' });
    env.reset({ seed: 3 });
    const e = raw(env).engine;
    e.owner = -1; e.bx = 0.1; e.by = 0.41; e.bvx = 0; e.bvy = 0.03; e.lastTouchTeam = 1;
    for (let i = 0; i < e.n; i++) if (Math.hypot(e.px[i]! - 0.1, e.py[i]! - 0.41) < 0.05) e.py[i] = 0;
    const r = env.step(A.idle);
    expect(r.terminated).toBe(false);
    expect(r.info.gameMode).toBe('throw_in');
    expect(e.modeTeam).toBe(0);
    expect(e.owner).toBeGreaterThanOrEqual(0);
    expect(e.owner).toBeLessThan(e.nLeft);
    // The taker is the active player; a pass restarts normal play.
    expect(e.active).toBe(e.owner);
    const after = env.step(A.short_pass);
    expect(after.info.gameMode).toBe('normal');
  });

  it('the keeper stops a weak central shot', () => {
    const env = make('Football-v0', { scenario: 'test_keeper' });
    env.reset({ seed: 4 });
    const e = raw(env).engine;
    e.shoot(1, 0);
    e.bvx = 0.02; e.bvy = 0; e.bvz = 0; e.bz = 0;
    const r = runUntilDone(env, A.idle, 40);
    expect(r.terminated).toBe(true);
    expect(r.info.score).toEqual([0, 0]);
    expect(r.info.ballOwner).toBe('R1');
    expect((r.info.event as { possessionChange: boolean }).possessionChange).toBe(true);
  });

  it('possession changes on a tackle', () => {
    const env = make('Football-v0', { scenario: 'test_tackle' });
    const first = env.reset({ seed: 5 });
    expect(first.info.ballOwner).toBe('L1');
    const r = runUntilDone(env, A.idle, 30);
    expect(r.terminated).toBe(true);
    expect(r.info.ballOwner).toBe('R1');
    expect((r.info.event as { tackle: number }).tackle).toBe(1);
    expect((r.info.shaped as { lostBall: number }).lostBall).toBeLessThan(0);
  });

  it('a sliding tackle from the front knocks the ball off the carrier', () => {
    const env = make('Football-v0', { scenario: 'test_slide' });
    const first = env.reset({ seed: 6 });
    expect(first.info.ballOwner).toBe('R1');
    const e = raw(env).engine;
    const r = env.step(A.sliding); // the agent faces +x, the carrier comes at him
    expect((r.info.event as { tackle: number; foul: number })).toMatchObject({ tackle: 0, foul: -1 });
    expect(e.owner).toBe(-1);
    expect(r.info.gameMode).toBe('normal');
  });

  it('sliding into a carrier from behind is a foul: a free kick for his team', () => {
    const env = make('Football-v0', { scenario: '11_vs_11_easy' });
    env.reset({ seed: 6 });
    const e = raw(env).engine;
    const a = e.active, j = e.nLeft + 5;
    // The right carrier runs away (toward -x) from the agent's player, who is behind him.
    e.mode = 0;
    e.px[j] = e.px[a]! - 0.02; e.py[j] = e.py[a]!; e.dx[j] = -1; e.dy[j] = 0;
    e.giveBall(j);
    e.bx = e.px[j]! - 0.011; e.by = e.py[j]!;
    e.dx[a] = -1; e.dy[a] = 0;
    env.step(A.left);
    const r = env.step(A.sliding);
    expect((r.info.event as { foul: number }).foul).toBe(0);
    expect(r.info.gameMode).toBe('free_kick');
    expect(e.modeTeam).toBe(1);
    expect(e.teamOf(e.owner)).toBe(1);
    // A slide from behind is reckless: a yellow card for the slider.
    expect((r.info.event as { yellow: string | null }).yellow).toBe(`L${a + 1}`);
    expect(r.info.yellowCards).toEqual([`L${a + 1}`]);
  });

  it('a high pass flies over a defender in its path', () => {
    const env = make('Football-v0', { scenario: 'test_lob' });
    env.reset({ seed: 7 });
    const e = raw(env).engine;
    env.step(A.right);
    env.step(A.high_pass);
    expect(e.owner).toBe(-1);
    expect(e.bvz).toBeGreaterThan(0);
    let maxZ = 0, overDefender = -1, ownerThere = -2;
    for (let t = 0; t < 40 && e.owner < 0; t++) {
      const before = e.bx;
      env.step(A.release_direction);
      maxZ = Math.max(maxZ, e.bz);
      // Height and owner when the ball passes where the defender stood (x = 0.2).
      if (before < 0.2 && e.bx >= 0.2) { overDefender = e.bz; ownerThere = e.owner; }
    }
    expect(maxZ).toBeGreaterThan(0.036);
    expect(overDefender).toBeGreaterThan(0.036); // above a player's reach
    expect(ownerThere).toBe(-1);
    // A ground pass along the same line is taken by the defender.
    env.reset({ seed: 7 });
    env.step(A.right);
    env.step(A.short_pass);
    for (let t = 0; t < 30 && e.owner < 0; t++) env.step(A.release_direction);
    expect(e.owner).toBe(2);
  });
});

describe('Football-v0 env', () => {
  it('has GRF actions, a simple115 Box observation and option checks', () => {
    const env = make('Football-v0');
    expect(env.actionNames).toEqual(['idle', 'left', 'top_left', 'top', 'top_right', 'right', 'bottom_right', 'bottom', 'bottom_left', 'long_pass', 'high_pass', 'short_pass', 'shot', 'sprint', 'release_direction', 'release_sprint', 'sliding', 'dribble', 'release_dribble']);
    const { observation } = env.reset({ seed: 0 });
    expect(observation).toBeInstanceOf(Float32Array);
    expect((observation as Float32Array).length).toBe(SIMPLE115_SIZE);
    expect(env.observationSpace.contains(observation)).toBe(true);
    expect(() => make('Football-v0', { scenario: 'nope' })).toThrow(InvalidOptionError);
    expect(() => make('Football-v0', { difficulty: 2 })).toThrow(InvalidOptionError);
    expect(() => make('Football-v0', { rewards: 'scoring,goals' })).toThrow(InvalidOptionError);
    expect(() => make('Football-v0', { representation: 'smm3' })).toThrow(InvalidOptionError);
    expect(() => make('Football-v0', { gameDuration: 0 })).toThrow(InvalidOptionError);
    expect(() => make('Football-v0', { width: 3 })).toThrow(InvalidOptionError);
  });

  it('each scenario starts where its definition says', () => {
    for (const s of FOOTBALL_SCENARIOS) {
      const env = make('Football-v0', { scenario: s.name });
      const { observation, info } = env.reset({ seed: 0 });
      const o = observation as Float32Array;
      const e = raw(env).engine;
      expect(e.nLeft).toBe(s.left.length);
      expect(e.n - e.nLeft).toBe(s.right.length);
      expect(info.gameMode).toBe(s.startMode ?? 'normal');
      if (s.kind === 'match') {
        // Kick-off: everyone in their own half.
        for (let k = 0; k < e.n; k++) expect(k < e.nLeft ? e.px[k]! <= 0 : e.px[k]! >= 0).toBe(true);
        continue;
      }
      s.left.forEach((p, k) => {
        if (k === e.modeTaker) return;
        expect(Math.abs(o[2 * k]! - p.x)).toBeLessThan(0.011);
        expect(Math.abs(o[2 * k + 1]! - p.y)).toBeLessThan(1e-6);
      });
      s.right.forEach((p, k) => {
        expect(Math.abs(o[44 + 2 * k]! - p.x)).toBeLessThan(0.011);
        expect(Math.abs(o[44 + 2 * k + 1]! - p.y)).toBeLessThan(1e-6);
      });
      if (s.kind === 'academy') expect([o[88], o[89]].map((v) => Math.round(v! * 100) / 100)).toEqual([Math.round(s.ball[0] * 100) / 100, Math.round(s.ball[1] * 100) / 100]);
      // padding slots are -1; exactly one active slot and one game mode are set
      if (s.left.length < 11) expect(o[2 * s.left.length]).toBe(-1);
      expect(o.slice(97, 108).reduce((a, b) => a + b, 0)).toBe(1);
      expect(o.slice(108, 115).reduce((a, b) => a + b, 0)).toBe(1);
    }
    // GRF's right team is mirrored: in run_to_score the defenders start behind the attacker.
    const rts = FOOTBALL_SCENARIOS.find((s) => s.name === 'academy_run_to_score_with_keeper')!;
    expect(rts.right[0]).toMatchObject({ x: 1, role: 'GK' });
    expect(rts.right.slice(1).every((p) => p.x < 0)).toBe(true);
  });

  it('passes checkEnv for every scenario', () => {
    for (const name of listFootballScenarios()) {
      expect(checkEnv(make('Football-v0', { scenario: name }), { steps: 30 })).toBeGreaterThan(10);
    }
    expect(checkEnv(make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper', representation: 'pixels' }), { steps: 10 })).toBeGreaterThan(10);
    expect(checkEnv(make('Football-v0', { scenario: 'academy_corner', representation: 'text' }), { steps: 10 })).toBeGreaterThan(10);
  });

  it('is deterministic per seed, also in stochastic mode, and the stochastic mode depends on the seed', () => {
    const roll = (seed: number, scenario: string) => {
      const env = make('Football-v0', { scenario, rewards: 'scoring,checkpoints,shaped' });
      env.reset({ seed });
      env.actionSpace.seed(99);
      const out: number[] = [];
      for (let t = 0; t < 300; t++) {
        const r = env.step(env.actionSpace.sample());
        out.push(...(r.observation as Float32Array), r.reward);
        if (r.terminated || r.truncated) env.reset();
      }
      return out;
    };
    expect(roll(11, '11_vs_11_hard')).toEqual(roll(11, '11_vs_11_hard'));
    const a = roll(11, '11_vs_11_easy_stochastic');
    expect(a).toEqual(roll(11, '11_vs_11_easy_stochastic'));
    expect(a).not.toEqual(roll(12, '11_vs_11_easy_stochastic'));
  });

  it('checkpoints pay 0.1 per zone and the rest on a goal (1 + 1 in total)', () => {
    const env = make('Football-v0', { scenario: 'academy_empty_goal', rewards: 'scoring,checkpoints' });
    env.reset({ seed: 0 });
    let total = 0, done = false;
    for (let t = 0; t < 400 && !done; t++) {
      const r = env.step(scriptedFootballDecision(env).action);
      total += r.reward;
      done = r.terminated || r.truncated;
    }
    expect(total).toBeCloseTo(2, 6);
  });

  it('describe() gives the documented text view', () => {
    const env = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper' });
    env.reset({ seed: 0 });
    env.step(A.right);
    const text = env.describe();
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Football academy_3_vs_1_with_keeper \| step 1\/400 \| time left 39\.9 s \| score 0-0 \| mode normal$/);
    expect(text).toMatch(/^Active player: L2 CM at \(0\.\d{3}, -?0\.\d{3}\) velocity \(/m);
    expect(text).toMatch(/^Ball: at \(.*\) height 0\.000 velocity \(.*\), owner L2$/m);
    expect(text).toMatch(/^Controls: direction right, sprint off, dribble off$/m);
    expect(text).toMatch(/^Teammates: L1 GK \(-?\d\.\d{3}, -?\d\.\d{3}\); L3 CM .*; L4 CM /m);
    expect(text).toMatch(/^Opponents: R1 GK \(0\.9\d\d, 0\.000\); R2 CB \(0\.7\d\d, 0\.000\)$/m);
    expect(text).toMatch(/^Last actions: right$/m);
  });

  it('render() draws the pitch, players and ball into a 128x64 frame (and a larger replay size)', () => {
    const env = make('Football-v0', { scenario: 'academy_empty_goal' });
    env.reset({ seed: 0 });
    const f = env.render();
    expect([f.width, f.height, f.data.length]).toEqual([128, 64, 128 * 64 * 4]);
    const before = new Uint8ClampedArray(f.data);
    for (let t = 0; t < 5; t++) env.step(A.right);
    expect(Buffer.compare(Buffer.from(before), Buffer.from(env.render().data))).not.toBe(0);
    const e = raw(env).engine;
    const big = make('Football-v0', { scenario: 'academy_empty_goal', width: 512, height: 256 });
    big.reset({ seed: 0 });
    const g = big.render();
    expect([g.width, g.height]).toEqual([512, 256]);
    expect(e.n).toBe(3);
  });

  it('render() marks the active player with a white ring and draws the ball with a shadow', () => {
    const env = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper', width: 256, height: 128 });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    const f = env.render();
    const scale = Math.min(256 / 2.12, 128 / 0.92);
    const whiteAround = (x: number, y: number, r: number): number => {
      const cx = Math.round(128 + x * scale), cy = Math.round(64 + y * scale);
      let n = 0;
      for (let yy = cy - r; yy <= cy + r; yy++) for (let xx = cx - r; xx <= cx + r; xx++) {
        const k = (yy * 256 + xx) * 4;
        if (f.data[k]! > 225 && f.data[k + 1]! > 225 && f.data[k + 2]! > 225) n++;
      }
      return n;
    };
    const r = 5;
    expect(e.active).toBe(1);
    // The active player's disc has many more white pixels (its ring) than a teammate's.
    expect(whiteAround(e.px[1]!, e.py[1]!, r)).toBeGreaterThan(whiteAround(e.px[2]!, e.py[2]!, r) + 8);
    // A lofted ball is drawn above its shadow: the shadow darkens the grass under it.
    e.owner = -1; e.bx = 0.3; e.by = 0.2; e.bz = 0.05; e.bvx = 0; e.bvy = 0; e.bvz = 0;
    const g = env.render();
    const at = (x: number, y: number) => (Math.round(64 + y * scale) * 256 + Math.round(128 + x * scale)) * 4;
    const grass = g.data[at(0.3, 0.25) + 1]!;
    expect(g.data[at(0.3, 0.2) + 1]!).toBeLessThan(grass); // shadow
    const ballY = 0.2 - (0.05 * 2);
    expect(g.data[at(0.3, ballY)]!).toBeGreaterThan(225); // the ball, raised by its height
  });

  it('scores a drill with shaped components: a completed pass, a shot on target, a goal; control follows the ball', () => {
    const env = make('Football-v0', { scenario: 'academy_3_vs_1_with_keeper', rewards: 'shaped' });
    env.reset({ seed: 0 });
    const e = raw(env).engine;
    const seen = { pass: 0, shot: 0, goal: 0, progress: 0 };
    const actives = new Set<number>();
    let total = 0, r;
    for (let t = 0; t < 400; t++) {
      r = env.step(scriptedFootballDecision(env).action);
      total += r.reward;
      actives.add(e.active);
      const s = r.info.shaped as Record<string, number>;
      if (s.passQuality! > 0) seen.pass++;
      if (s.shotQuality! > 0) seen.shot++;
      if (s.goal === 1) seen.goal++;
      seen.progress += s.ballProgress!;
      if (r.terminated || r.truncated) break;
    }
    expect(seen.pass).toBeGreaterThan(0);
    expect(seen.shot).toBe(1);
    expect(seen.goal).toBe(1);
    expect(seen.progress).toBeGreaterThan(0.1);
    expect(actives.size).toBeGreaterThan(1); // the pass receiver became the active player
    const totals = r!.info.shapedTotal as Record<string, number>;
    const sum = Object.values(totals).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(sum, 9);
    expect(r!.info.shapedScore).toBeCloseTo(20 * sum, 9);
  });

  it('rejects malformed scenarios with a clear error', () => {
    const base = FOOTBALL_SCENARIOS[0]!;
    const twelve = Array.from({ length: 12 }, () => ({ x: 0, y: 0, role: 'CM' as const }));
    expect(() => registerFootballScenario({ ...base, name: 'too_many', left: twelve })).toThrow(/1 to 11 players/);
    expect(() => registerFootballScenario({ ...base, name: 'bad_role', right: [{ x: 0, y: 0, role: 'XX' as never }] })).toThrow(/role/);
    expect(() => registerFootballScenario({ ...base, name: 'off_pitch', ball: [2, 0] })).toThrow(InvalidOptionError);
    expect(() => registerFootballScenario(base)).toThrow(/already registered/);
  });

  it('the scripted attacker scores on the empty-goal drills and says why', () => {
    for (const scenario of ['academy_empty_goal_close', 'academy_empty_goal', 'academy_run_to_score']) {
      for (const seed of [0, 1]) {
        const env = make('Football-v0', { scenario, stochastic: true });
        env.reset({ seed });
        let r;
        const reasons = new Set<string>();
        for (let t = 0; t < 400; t++) {
          const d = scriptedFootballDecision(env);
          reasons.add(d.reason);
          r = env.step(d.action);
          if (r.terminated || r.truncated) break;
        }
        expect(r!.info.success, `${scenario} seed ${seed}`).toBe(true);
        expect([...reasons].some((x) => x.startsWith('shoot'))).toBe(true);
      }
    }
  });
});
