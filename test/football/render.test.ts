import { describe, expect, it } from 'vitest';
import { FootballEnv, make, pitchBackground, scriptedFootballDecision, PitchProjection } from '../../envs/index.js';
// Not re-exported from envs/football/index.ts (kept out of that file while the rules branch changes it).
import { footballClock, footballScene } from '../../envs/football/render.js';

const engineOf = (env: ReturnType<typeof make>) => (env.unwrapped as FootballEnv).engine;

/** Play the scripted attacker until the left team scores; returns the env at the goal's step. */
function playToGoal(options: Record<string, unknown>, seed = 0, maxSteps = 400) {
  const env = make('Football-v0', options);
  env.reset({ seed });
  for (let t = 0; t < maxSteps; t++) {
    const r = env.step(scriptedFootballDecision(env).action);
    if ((r.info.event as { goal: number }).goal === 0) return { env, step: t + 1, r };
    if (r.terminated || r.truncated) break;
  }
  throw new Error('no goal');
}

describe('Football frames', () => {
  it('the goal step shows the goal: ball in the net, players where they stood, GOAL on the scoreboard', () => {
    const { env, step } = playToGoal({ scenario: 'academy_empty_goal_close', width: 512, height: 256 });
    const e = engineOf(env);
    // The engine already set up the kick-off (ball on the centre spot) ...
    expect(Math.hypot(e.bx, e.by)).toBeLessThan(0.05);
    // ... but the scene of this step is the goal.
    const scene = footballScene(e);
    expect(scene.goal).toBe(true);
    expect(scene.ball.x).toBeGreaterThan(1);
    expect(scene.ball.x).toBeLessThanOrEqual(1.02);
    expect(Math.abs(scene.ball.y)).toBeLessThan(0.044);
    expect(scene.px).not.toBe(e.px);
    expect(scene.px[e.active]!).toBeGreaterThan(0.5); // the scorer near the goal, not at kick-off
    expect(scene.scoreboard).toBe(`1-0 ${footballClock(step)} GOAL`);
    // The frame: white ball pixels behind the goal line, inside the net.
    const f = env.render();
    const p = new PitchProjection(512, 256);
    const cx = Math.round(p.px(scene.ball.x)), cy = Math.round(p.py(scene.ball.y) - scene.ball.z * p.scale * 2);
    let white = 0;
    for (let y = cy - 3; y <= cy + 3; y++) for (let x = cx - 3; x <= cx + 3; x++) {
      const i = (y * 512 + x) * 4;
      if (f.data[i]! > 230 && f.data[i + 1]! > 230 && f.data[i + 2]! > 230) white++;
    }
    expect(white).toBeGreaterThanOrEqual(9);
  });

  it('the step after a goal is the kick-off (a match goes on)', () => {
    const { env } = playToGoal({ scenario: '11_vs_11_easy_stochastic', width: 512, height: 256 }, 3, 3000);
    const e = engineOf(env);
    expect(footballScene(e).goal).toBe(true);
    env.step(0);
    const scene = footballScene(e);
    expect(scene.goal).toBe(false);
    expect(scene.px).toBe(e.px);
    expect(scene.scoreboard).toMatch(/^1-0 \d\d:\d\d$/);
  });

  it('the scoreboard is drawn at replay size only; the 128 x 64 model view is unchanged', () => {
    const small = make('Football-v0', { scenario: 'academy_empty_goal' });
    small.reset({ seed: 0 });
    const fs = small.render();
    const bg = pitchBackground(128, 64);
    const corner = (f: { data: Uint8ClampedArray; width: number }, w: number, h: number) => {
      const out: number[] = [];
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(f.data[(y * f.width + x) * 4]!);
      return out;
    };
    expect(corner(fs, 40, 8)).toEqual(corner(bg, 40, 8));
    const big = make('Football-v0', { scenario: 'academy_empty_goal', width: 512, height: 256 });
    big.reset({ seed: 0 });
    expect(corner(big.render(), 80, 16)).not.toEqual(corner(pitchBackground(512, 256), 80, 16));
    expect(footballScene(engineOf(big)).scoreboard).toBe('0-0 00:00');
  });

  it('clock: 0.1 s per step, mm:ss', () => {
    expect(footballClock(0)).toBe('00:00');
    expect(footballClock(9)).toBe('00:00');
    expect(footballClock(10)).toBe('00:01');
    expect(footballClock(605)).toBe('01:00');
    expect(footballClock(30000)).toBe('50:00');
  });

  it('the ball at replay size is at least 7 px across with a dark rim; its shadow stays on the ground', () => {
    const env = make('Football-v0', { scenario: 'academy_empty_goal', width: 512, height: 256 });
    env.reset({ seed: 0 });
    const e = engineOf(env);
    e.owner = -1; e.bx = 0.3; e.by = 0.2; e.bz = 0.05; e.bvx = 0; e.bvy = 0; e.bvz = 0;
    const f = env.render();
    const p = new PitchProjection(512, 256);
    const bx = Math.round(p.px(0.3)), ballY = Math.round(p.py(0.2) - 0.05 * p.scale * 2);
    let run = 0;
    for (let x = bx - 8; x <= bx + 8; x++) {
      const i = (ballY * 512 + x) * 4;
      if (f.data[i]! > 230 && f.data[i + 1]! > 230) run++;
    }
    expect(run).toBeGreaterThanOrEqual(5); // white interior of a >= 7 px ball (rim excluded)
    const dark = (x: number, y: number) => f.data[(y * 512 + x) * 4 + 1]! < 60;
    expect([-4, -3, 3, 4].some((d) => dark(bx + d, ballY))).toBe(true); // the rim
    const ground = (Math.round(p.py(0.2)) * 512 + bx) * 4 + 1;
    const grass = pitchBackground(512, 256).data[ground]!;
    expect(f.data[ground]!).toBeLessThan(grass); // shadow under the ball's ground point
  });
});
