// The frame's head-up display (score, clock, half, sent-off marks) and card marks (issue 17).
import { describe, expect, it } from 'vitest';
import { make, FootballEnv, FootballRenderer, FOOTBALL_COLORS, type Frame, type FootballEngine } from '../../index.js';

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
