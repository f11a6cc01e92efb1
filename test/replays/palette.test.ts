import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/index.js';
import { reducePalette } from '../../replays/palette.js';

function colours(rgb: Uint8Array): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i < rgb.length; i += 3) s.add((rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!);
  return s;
}

describe('reducePalette', () => {
  it('keeps flat colours exact, keeps a rare distinct colour, and caps the palette', () => {
    const rng = new Rng(1);
    const px = 20_000;
    const rgb = new Uint8Array(px * 3);
    for (let p = 0; p < px; p++) {
      let c: number[];
      if (p < 12_000) c = [70, 140, 60]; // grass
      else if (p < 16_000) c = [244, 244, 244]; // lines
      else if (p < 16_010) c = [142, 68, 173]; // a rare keeper shirt
      else c = [rng.int(256), rng.int(256), rng.int(256)]; // noise / anti-aliasing
      rgb.set(c, p * 3);
    }
    expect(colours(rgb).size).toBeGreaterThan(1000);
    const n = reducePalette(rgb, 32);
    expect(n).toBe(32);
    const after = colours(rgb);
    expect(after.size).toBeLessThanOrEqual(32);
    expect(after.has((70 << 16) | (140 << 8) | 60)).toBe(true);
    expect(after.has((244 << 16) | (244 << 8) | 244)).toBe(true);
    expect(after.has((142 << 16) | (68 << 8) | 173)).toBe(true);
    expect([...rgb.subarray(0, 3)]).toEqual([70, 140, 60]);
  });

  it('leaves an image with few colours unchanged', () => {
    const rgb = new Uint8Array([1, 2, 3, 200, 100, 50, 1, 2, 3, 9, 9, 9]);
    const copy = rgb.slice();
    expect(reducePalette(rgb, 64)).toBe(3);
    expect(rgb).toEqual(copy);
  });
});
