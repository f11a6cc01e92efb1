import { describe, expect, it } from 'vitest';
import { FootballEnv, make, pitchBackground, scriptedFootballDecision, PitchProjection } from '../../envs/index.js';
// Not re-exported from envs/football/index.ts (kept out of that file while the rules branch changes it).
import { footballClock, footballScene } from '../../envs/football/render.js';
import { FootballRenderer, FOOTBALL_COLORS, type Frame, type FootballEngine } from '../../index.js';

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

// The frame's head-up display (score, clock, half, sent-off marks) and card marks (issue 17).

const W = 256, H = 128;
const hex = (h: string) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

function engine(scenario: string): FootballEngine {
  const env = make('Football-v0', { scenario });
  env.reset({ seed: 0 });
  return (env.unwrapped as FootballEnv).engine;
}
const is = (f: Frame, x: number, y: number, c: number[]) => {
  const k = (y * f.width + x) * 4;
  return f.data[k] === c[0] && f.data[k + 1] === c[1] && f.data[k + 2] === c[2];
};
function count(f: Frame, c: number[], y0 = 0, y1 = f.height, x0 = 0, x1 = f.width): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (is(f, x, y, c)) n++;
  return n;
}
const white = [255, 255, 255];
/** Pixels of the right team's blue (sprites are antialiased, so not only the exact colour). */
function bluish(f: Frame, y0: number, y1: number, x0 = 0, x1 = f.width): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < y1; y++) for (let x = Math.max(0, x0); x < x1; x++) {
    const k = (y * f.width + x) * 4;
    if (f.data[k + 2]! > 180 && f.data[k + 2]! - f.data[k]! > 80) n++;
  }
  return n;
}

describe('Football frame HUD', () => {
  it('shows the score in the 3x5 font, the clock and the half above the pitch', () => {
    const e = engine('11_vs_11_easy');
    const r = new FootballRenderer(W, H);
    const s = r.hudScale, top = r.hudTop;
    expect(s).toBe(2);
    const band = top + 5 * s; // the HUD rows
    let f = r.render(e);
    // "0-0": 3 glyphs centred; the first glyph's second row is "1 0 1" for 0, "0 0 1" for 2.
    const x0 = (W >> 1) - ((3 * 4 * s - s) >> 1);
    expect(is(f, x0, top + s, white)).toBe(true);
    expect(is(f, x0 + 2 * s, top + s, white)).toBe(true);
    e.scoreLeft = 2;
    f = r.render(e);
    expect(is(f, x0, top + s, white)).toBe(false);
    expect(is(f, x0 + 2 * s, top + s, white)).toBe(true);
    // Clock (right third) at step 0 and at step 1234 (02:03); the half (left third) unchanged.
    const third = Math.floor(W / 3);
    const clock0 = count(f, white, 0, band, 2 * third, W), half0 = count(f, white, 0, band, 0, third);
    e.steps = 1234;
    f = r.render(e);
    expect(count(f, white, 0, band, 2 * third, W)).not.toBe(clock0);
    expect(count(f, white, 0, band, 0, third)).toBe(half0);
    expect(half0).toBeGreaterThan(0);
    // Second half: "2H" instead of "1H".
    e.half = 2;
    f = r.render(e);
    expect(count(f, white, 0, band, 0, third)).not.toBe(half0);
    // A drill has no halves: nothing drawn at the left.
    const drill = r.render(engine('academy_3_vs_1_with_keeper'));
    expect(count(drill, white, 0, band, 0, third)).toBe(0);
  });

  it('marks booked players with a yellow card and each sent-off player with a red mark beside his team; sent-off players are not drawn', () => {
    const e = engine('11_vs_11_easy');
    const r = new FootballRenderer(W, H);
    const s = r.hudScale, band = r.hudTop + 5 * s;
    const yellow = hex(FOOTBALL_COLORS.yellowCard), red = hex(FOOTBALL_COLORS.redCard);
    let f = r.render(e);
    expect(count(f, yellow)).toBe(0);
    expect(count(f, red)).toBe(0);
    const i = 7;
    e.caution(i);
    f = r.render(e);
    const cx = Math.round(W / 2 + e.px[i]! * r.projection.scale), cy = Math.round(H / 2 + e.py[i]! * r.projection.scale);
    expect(count(f, yellow, cy - 8, cy + 1, cx, cx + 8)).toBeGreaterThan(3);
    expect(count(f, yellow)).toBe(count(f, yellow, cy - 8, cy + 1, cx, cx + 8));
    const j = e.nLeft + 3;
    const bx = Math.round(W / 2 + e.px[j]! * r.projection.scale), by = Math.round(H / 2 + e.py[j]! * r.projection.scale);
    expect(bluish(f, by - 3, by + 4, bx - 3, bx + 4)).toBeGreaterThan(5);
    e.sendOff(j);
    f = r.render(e);
    expect(count(f, red, 0, band)).toBe(8 * s * s); // one 2x4 mark (at scale s)
    expect(count(f, red, 0, band, W >> 1, W)).toBe(8 * s * s); // on the right team's side
    expect(bluish(f, by - 3, by + 4, bx - 3, bx + 4)).toBe(0); // gone from where he stood
    expect(bluish(f, 0, band)).toBe(9 * s * s); // only the right team's colour square in the HUD, no sprite on the bench
  });
});
