import { describe, expect, it } from 'vitest';
import { Batch, Box, Dict, Discrete, MultiBinary, MultiDiscrete, Text, Tuple, batchSpace, spaceFromJSON } from '../../index.js';

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
      new Dict({ a: new Discrete(2), b: new Tuple([new Discrete(3)]) }), new MultiBinary([2, 3]), new MultiDiscrete([2, 5], 0, [1, -1]),
      new Batch(new Box(0, 1, [2]), 3)];
    for (const s of spaces) expect(spaceFromJSON(JSON.parse(JSON.stringify(s.toJSON()))).toJSON()).toEqual(s.toJSON());
  });
});

describe('MultiBinary (Gymnasium parity)', () => {
  it('samples 0/1 arrays of its shape, the same for the same seed', () => {
    const a = new MultiBinary(8, 7), b = new MultiBinary(8, 7), c = new MultiBinary(8, 8);
    const sa = Array.from({ length: 20 }, () => Array.from(a.sample()));
    expect(sa).toEqual(Array.from({ length: 20 }, () => Array.from(b.sample())));
    expect(sa).not.toEqual(Array.from({ length: 20 }, () => Array.from(c.sample())));
    expect(a.sample()).toBeInstanceOf(Int8Array);
    const flat = sa.flat();
    expect(new Set(flat)).toEqual(new Set([0, 1]));
    // 160 fair coin flips: the count of ones is within 5 standard deviations (sd = sqrt(40) ~ 6.3) of 80.
    const ones = flat.filter((v) => v === 1).length;
    expect(Math.abs(ones - 80)).toBeLessThan(32);
    a.seed(3); b.seed(3);
    expect(Array.from(a.sample())).toEqual(Array.from(b.sample()));
  });

  it('contains flat arrays of 0s and 1s of the right size; shapes are sizes', () => {
    const grid = new MultiBinary([2, 3]);
    expect(grid.size).toBe(6);
    expect(grid.shape).toEqual([2, 3]);
    expect(grid.contains([0, 1, 1, 0, 0, 1])).toBe(true);
    expect(grid.contains(Uint8Array.of(1, 1, 1, 1, 1, 1))).toBe(true);
    expect(grid.contains([0, 1, 2, 0, 0, 1])).toBe(false);
    expect(grid.contains([0, 1, 1])).toBe(false);
    expect(grid.contains([0, 1, true, 0, 0, 1])).toBe(false);
    expect(grid.contains('010011')).toBe(false);
    expect(grid.explain([0, 1, 2, 0, 0, 1])).toBe('element 2 = 2 is not 0 or 1');
    expect(() => new MultiBinary(0)).toThrow(RangeError);
    expect(() => new MultiBinary([2, -1])).toThrow(RangeError);
  });
});

describe('batchSpace (vector envs\' batched spaces)', () => {
  it('Discrete batches to MultiDiscrete, with its start, as in Gymnasium', () => {
    const batched = batchSpace(new Discrete(3, 1), 4, 9);
    expect(batched).toBeInstanceOf(MultiDiscrete);
    expect(batched.toJSON()).toEqual({ type: 'MultiDiscrete', nvec: [3, 3, 3, 3], start: [1, 1, 1, 1] });
    for (let i = 0; i < 50; i++) {
      const a = batched.sample();
      expect(a).toHaveLength(4);
      expect(a.every((v) => v >= 1 && v <= 3)).toBe(true);
      expect(batched.contains(a)).toBe(true);
    }
    expect(batched.contains([1, 2, 3, 0])).toBe(false);
    expect(batched.contains([1, 2, 3])).toBe(false);
  });

  it('other spaces batch to arrays of n members with shape [n, ...shape]', () => {
    const box = new Box(-1, 1, [2, 3]);
    const batched = batchSpace(box, 4, 5) as Batch<ArrayLike<number>>;
    expect(batched).toBeInstanceOf(Batch);
    expect(batched.shape).toEqual([4, 2, 3]);
    const s = batched.sample();
    expect(s).toHaveLength(4);
    expect(s.every((m) => box.contains(m))).toBe(true);
    // Each member has its own generator: the four samples differ.
    expect(new Set(s.map((m) => Array.from(m).join(','))).size).toBe(4);
    expect(batched.contains(s)).toBe(true);
    expect(batched.contains(s.slice(0, 3))).toBe(false);
    expect(batched.explain([s[0], s[1], [9, 9, 9, 9, 9, 9], s[3]])).toMatch(/^member 2: element 0 = 9 is outside/);
    // Same seed, same batch; sampling the batch does not move the single space's generator.
    const again = batchSpace(box, 4, 5).sample();
    expect(again.map((m) => Array.from(m))).toEqual(s.map((m) => Array.from(m)));
    const single = new Box(-1, 1, [2, 3], 'float32', 11);
    const first = Array.from(single.sample());
    single.seed(11);
    batchSpace(single, 3).sample();
    expect(Array.from(single.sample())).toEqual(first);
    expect(new Batch(new Text(3), 2).shape).toEqual([2]);
  });

  it('copies unbounded boxes and composite spaces faithfully', () => {
    const open = batchSpace(new Box(-Infinity, Infinity, [3]), 2, 1);
    for (const m of open.sample()) expect(Array.from(m).every(Number.isFinite)).toBe(true);
    const dict = batchSpace(new Dict({ pos: new Discrete(4), bits: new MultiBinary(2) }), 3, 2);
    const d = dict.sample();
    expect(d).toHaveLength(3);
    expect(dict.contains(d)).toBe(true);
    expect(() => batchSpace(new Discrete(2), 0)).toThrow(RangeError);
  });
});
