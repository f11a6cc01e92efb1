import { describe, expect, it } from 'vitest';
import { Box, Dict, Discrete, MultiDiscrete, Text, Tuple, spaceFromJSON } from '../../index.js';

describe('spaces', () => {
  it('Discrete samples inside itself, deterministically per seed', () => {
    const a = new Discrete(5, 2, 7), b = new Discrete(5, 2, 7);
    const xs = Array.from({ length: 100 }, () => a.sample());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b.sample()));
    expect(xs.every((x) => a.contains(x))).toBe(true);
    expect(new Set(xs).size).toBe(5);
    expect(a.contains(7)).toBe(false);
    expect(a.contains(1)).toBe(false);
    expect(a.contains(2.5)).toBe(false);
    expect(a.contains(Number.NaN)).toBe(false);
    expect(a.contains('3')).toBe(false);
    expect(a.explain(9)).toContain('[2, 6]');
  });

  it('re-seeding a space repeats its samples', () => {
    const s = new Box(-1, 1, [3], 'float32');
    s.seed(11);
    const x = Array.from(s.sample());
    s.seed(11);
    expect(Array.from(s.sample())).toEqual(x);
  });

  it('Box checks shape, bounds, dtype and frames', () => {
    const box = new Box(0, 255, [2, 2, 4], 'uint8', 1);
    const sample = box.sample();
    expect(sample).toBeInstanceOf(Uint8Array);
    expect(box.contains(sample)).toBe(true);
    expect(box.contains(new Uint8Array(15))).toBe(false);
    expect(box.contains({ width: 2, height: 2, data: new Uint8ClampedArray(16) })).toBe(true);
    expect(box.contains({ width: 4, height: 1, data: new Uint8ClampedArray(16) })).toBe(false);
    expect(box.contains([0.5, ...new Array(15).fill(0)])).toBe(false);
    const f = new Box([0, -1], [1, 1], [2]);
    expect(f.contains([0.5, -0.5])).toBe(true);
    expect(f.contains([1.5, 0])).toBe(false);
    expect(f.contains([Number.NaN, 0])).toBe(false);
    expect(() => new Box(1, 0, [1])).toThrow(/low must be <= high/);
  });

  it('MultiDiscrete, Text, Dict and Tuple', () => {
    const md = new MultiDiscrete([2, 3], 3);
    expect(md.contains(md.sample())).toBe(true);
    expect(md.contains([1, 3])).toBe(false);
    const t = new Text(5, 1, 'ab', 4);
    for (let i = 0; i < 20; i++) expect(t.contains(t.sample())).toBe(true);
    expect(t.contains('abc')).toBe(false);
    expect(t.contains('')).toBe(false);
    const d = new Dict({ pos: new Discrete(4), name: new Text(3) }, 5);
    const v = d.sample();
    expect(d.contains(v)).toBe(true);
    expect(d.contains({ pos: 1 })).toBe(false);
    expect(d.contains({ pos: 1, name: 'x', extra: 1 })).toBe(false);
    const tu = new Tuple([new Discrete(2), new Box(0, 1, [1])], 6);
    expect(tu.contains(tu.sample())).toBe(true);
    expect(tu.contains([0])).toBe(false);
  });

  it('round-trips through JSON', () => {
    const spaces = [new Discrete(3, 1), new Box(0, 1, [2, 2]), new MultiDiscrete([2, 5]), new Text(4, 0, 'xy'),
      new Dict({ a: new Discrete(2), b: new Tuple([new Discrete(3)]) })];
    for (const s of spaces) expect(spaceFromJSON(JSON.parse(JSON.stringify(s.toJSON()))).toJSON()).toEqual(s.toJSON());
  });
});
