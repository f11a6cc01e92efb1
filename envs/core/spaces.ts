import { Rng, validateSeed } from './rng.js';

/** JSON description of a space, as returned by `space.toJSON()`. */
export type SpaceJSON =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'Box'; low: number[]; high: number[]; shape: number[]; dtype: BoxDtype }
  | { type: 'MultiDiscrete'; nvec: number[]; start?: number[] }
  | { type: 'MultiBinary'; shape: number[] }
  | { type: 'Text'; minLength: number; maxLength: number; charset: string | null }
  | { type: 'Dict'; spaces: Record<string, SpaceJSON> }
  | { type: 'Tuple'; spaces: SpaceJSON[] }
  | { type: 'Batch'; n: number; space: SpaceJSON };

/**
 * A set of values with a seeded sampler, as Gymnasium's `Space`.
 * `sample()` draws from the space's own generator; `seed(n)` re-seeds it.
 */
export abstract class Space<T = unknown> {
  protected rng: Rng;
  constructor(seed?: number) {
    this.rng = new Rng(seed ?? 0);
  }
  /** Re-seed the sampler; returns the seed. */
  seed(seed: number): number {
    this.rng = new Rng(validateSeed(seed));
    return seed;
  }
  abstract sample(): T;
  abstract contains(value: unknown): value is T;
  abstract toJSON(): SpaceJSON;
  /** Why `value` is not in the space, or null when it is. Used in error messages. */
  explain(value: unknown): string | null {
    return this.contains(value) ? null : `expected a member of ${JSON.stringify(this.toJSON())}`;
  }
  toString(): string {
    return JSON.stringify(this.toJSON());
  }
}

/** Integers `start .. start + n - 1`. */
export class Discrete extends Space<number> {
  constructor(readonly n: number, readonly start = 0, seed?: number) {
    super(seed);
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`Discrete n must be a positive integer, got ${n}`);
    if (!Number.isSafeInteger(start)) throw new RangeError(`Discrete start must be an integer, got ${start}`);
  }
  sample(): number {
    return this.start + this.rng.int(this.n);
  }
  contains(value: unknown): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value >= this.start && value < this.start + this.n;
  }
  override explain(value: unknown): string | null {
    if (this.contains(value)) return null;
    return `expected an integer in [${this.start}, ${this.start + this.n - 1}]`;
  }
  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }
}

export type BoxDtype = 'float32' | 'float64' | 'uint8' | 'int32';
type NumericArray = ArrayLike<number>;

/**
 * A box of numbers with per-element bounds. Members are flat arrays (typed or plain) of
 * `prod(shape)` elements in row-major order. An RGBA image frame `{width, height, data}`
 * is a member of a uint8 Box of shape [height, width, 4].
 */
export class Box extends Space<NumericArray> {
  readonly size: number;
  readonly low: Float64Array;
  readonly high: Float64Array;
  constructor(
    low: number | readonly number[],
    high: number | readonly number[],
    readonly shape: readonly number[],
    readonly dtype: BoxDtype = 'float32',
    seed?: number,
  ) {
    super(seed);
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new RangeError(`Box shape must be non-negative integers, got [${shape}]`);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.low = Box.broadcast(low, this.size, 'low');
    this.high = Box.broadcast(high, this.size, 'high');
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i]! <= this.high[i]!)) throw new RangeError(`Box low must be <= high (index ${i})`);
    }
  }
  private static broadcast(v: number | readonly number[], size: number, name: string): Float64Array {
    if (typeof v === 'number') return new Float64Array(size).fill(v);
    if (v.length !== size) throw new RangeError(`Box ${name} has ${v.length} elements, shape needs ${size}`);
    return Float64Array.from(v);
  }
  private isInteger(): boolean {
    return this.dtype === 'uint8' || this.dtype === 'int32';
  }
  sample(): NumericArray {
    const out = this.dtype === 'uint8' ? new Uint8Array(this.size) : this.dtype === 'int32' ? new Int32Array(this.size) : this.dtype === 'float64' ? new Float64Array(this.size) : new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!, hi = this.high[i]!;
      let v: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) v = this.isInteger() ? this.rng.intBetween(Math.ceil(lo), Math.floor(hi)) : this.rng.uniform(lo, hi);
      else if (Number.isFinite(lo)) v = lo - Math.log(1 - this.rng.next());
      else if (Number.isFinite(hi)) v = hi + Math.log(1 - this.rng.next());
      else v = this.rng.normal();
      out[i] = this.isInteger() ? Math.round(v) : v;
    }
    return out;
  }
  private elements(value: unknown): NumericArray | null {
    if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as unknown as NumericArray;
    // An RGBA frame {width, height, data}: check its declared size against the shape.
    if (value !== null && typeof value === 'object' && 'data' in value && ArrayBuffer.isView((value as { data: unknown }).data)) {
      const f = value as { width?: number; height?: number; data: NumericArray };
      if (this.shape.length === 3 && (f.height !== this.shape[0] || f.width !== this.shape[1])) return null;
      return f.data;
    }
    return null;
  }
  contains(value: unknown): value is NumericArray {
    return this.explain(value) === null;
  }
  override explain(value: unknown): string | null {
    const arr = this.elements(value);
    if (arr === null) return `expected an array of ${this.size} numbers (shape [${this.shape}])`;
    if (arr.length !== this.size) return `expected ${this.size} elements (shape [${this.shape}]), got ${arr.length}`;
    const integer = this.isInteger();
    for (let i = 0; i < this.size; i++) {
      const v = arr[i]!;
      if (typeof v !== 'number' || Number.isNaN(v)) return `element ${i} is not a number`;
      if (v < this.low[i]! || v > this.high[i]!) return `element ${i} = ${v} is outside [${this.low[i]}, ${this.high[i]}]`;
      if (integer && !Number.isInteger(v)) return `element ${i} = ${v} is not an integer (dtype ${this.dtype})`;
    }
    return null;
  }
  toJSON(): SpaceJSON {
    const list = (a: Float64Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : v > 0 ? 1e308 : -1e308));
    return { type: 'Box', low: list(this.low), high: list(this.high), shape: [...this.shape], dtype: this.dtype };
  }
}

/**
 * A vector of independent discrete choices, element i in [start[i], start[i] + nvec[i])
 * (`start` defaults to zeros, as in Gymnasium). Members are arrays (plain or typed) of
 * integers; `sample()` returns a plain array.
 */
export class MultiDiscrete extends Space<number[]> {
  readonly start: readonly number[];
  constructor(readonly nvec: readonly number[], seed?: number, start?: readonly number[]) {
    super(seed);
    if (nvec.length === 0 || nvec.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new RangeError(`MultiDiscrete nvec must be positive integers, got [${nvec}]`);
    if (start !== undefined && (start.length !== nvec.length || start.some((v) => !Number.isSafeInteger(v)))) {
      throw new RangeError(`MultiDiscrete start must be ${nvec.length} integers, got [${start}]`);
    }
    this.start = start ? [...start] : nvec.map(() => 0);
  }
  sample(): number[] {
    return this.nvec.map((n, i) => this.start[i]! + this.rng.int(n));
  }
  contains(value: unknown): value is number[] {
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return false;
    const arr = value as ArrayLike<unknown>;
    if (arr.length !== this.nvec.length) return false;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < this.start[i]! || v >= this.start[i]! + this.nvec[i]!) return false;
    }
    return true;
  }
  override explain(value: unknown): string | null {
    if (this.contains(value)) return null;
    const shifted = this.start.some((v) => v !== 0);
    return `expected ${this.nvec.length} integers, element i in [${shifted ? 'start[i], start[i] + ' : '0, '}nvec[i]) with nvec [${this.nvec}]${shifted ? ` and start [${this.start}]` : ''}`;
  }
  toJSON(): SpaceJSON {
    return this.start.some((v) => v !== 0) ? { type: 'MultiDiscrete', nvec: [...this.nvec], start: [...this.start] } : { type: 'MultiDiscrete', nvec: [...this.nvec] };
  }
}

/**
 * Binary arrays of a fixed shape (Gymnasium's `MultiBinary(n)`; `n` a size or a shape).
 * Members are flat arrays (typed or plain) of `prod(shape)` elements, each 0 or 1, in
 * row-major order; `sample()` returns an Int8Array (Gymnasium's dtype is int8).
 */
export class MultiBinary extends Space<Int8Array> {
  readonly shape: readonly number[];
  readonly size: number;
  constructor(readonly n: number | readonly number[], seed?: number) {
    super(seed);
    const shape = typeof n === 'number' ? [n] : [...n];
    if (shape.length === 0 || shape.some((d) => !Number.isSafeInteger(d) || d <= 0)) throw new RangeError(`MultiBinary n must be a positive integer or a shape of positive integers, got ${JSON.stringify(n)}`);
    this.shape = shape;
    this.size = shape.reduce((a, b) => a * b, 1);
  }
  sample(): Int8Array {
    const out = new Int8Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.rng.next() < 0.5 ? 0 : 1;
    return out;
  }
  contains(value: unknown): value is Int8Array {
    return this.explain(value) === null;
  }
  override explain(value: unknown): string | null {
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return `expected an array of ${this.size} zeros and ones (shape [${this.shape}])`;
    const arr = value as ArrayLike<unknown>;
    if (arr.length !== this.size) return `expected ${this.size} elements (shape [${this.shape}]), got ${arr.length}`;
    for (let i = 0; i < arr.length; i++) if (arr[i] !== 0 && arr[i] !== 1) return `element ${i} = ${String(arr[i])} is not 0 or 1`;
    return null;
  }
  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', shape: [...this.shape] };
  }
}

const DEFAULT_CHARSET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';

/** Strings of `minLength .. maxLength` characters, optionally from a fixed charset. */
export class Text extends Space<string> {
  private readonly allowed: Set<string> | null;
  constructor(readonly maxLength: number, readonly minLength = 0, readonly charset: string | null = null, seed?: number) {
    super(seed);
    if (!Number.isSafeInteger(maxLength) || !Number.isSafeInteger(minLength) || minLength < 0 || maxLength < minLength) {
      throw new RangeError(`Text needs 0 <= minLength <= maxLength, got ${minLength}..${maxLength}`);
    }
    this.allowed = charset === null ? null : new Set(Array.from(charset));
  }
  sample(): string {
    const chars = Array.from(this.charset ?? DEFAULT_CHARSET);
    const len = this.rng.intBetween(this.minLength, this.maxLength);
    let s = '';
    for (let i = 0; i < len; i++) s += this.rng.pick(chars);
    return s;
  }
  contains(value: unknown): value is string {
    if (typeof value !== 'string') return false;
    const chars = Array.from(value);
    if (chars.length < this.minLength || chars.length > this.maxLength) return false;
    return this.allowed === null || chars.every((c) => this.allowed!.has(c));
  }
  toJSON(): SpaceJSON {
    return { type: 'Text', minLength: this.minLength, maxLength: this.maxLength, charset: this.charset };
  }
}

type DictValue<S extends Record<string, Space>> = { [K in keyof S]: S[K] extends Space<infer T> ? T : never };

/** A record of named sub-spaces; members are objects with exactly those keys. */
export class Dict<S extends Record<string, Space> = Record<string, Space>> extends Space<DictValue<S>> {
  constructor(readonly spaces: S, seed?: number) {
    super(seed);
    this.seedChildren(seed ?? 0);
  }
  private seedChildren(seed: number): void {
    const rng = new Rng(seed);
    for (const k of Object.keys(this.spaces)) this.spaces[k]!.seed(rng.childSeed());
  }
  override seed(seed: number): number {
    super.seed(seed);
    this.seedChildren(seed);
    return seed;
  }
  sample(): DictValue<S> {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(this.spaces)) out[k] = s.sample();
    return out as DictValue<S>;
  }
  contains(value: unknown): value is DictValue<S> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const keys = Object.keys(value);
    if (keys.length !== Object.keys(this.spaces).length) return false;
    return Object.entries(this.spaces).every(([k, s]) => k in value && s.contains((value as Record<string, unknown>)[k]));
  }
  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const [k, s] of Object.entries(this.spaces)) spaces[k] = s.toJSON();
    return { type: 'Dict', spaces };
  }
}

/** A fixed-length sequence of sub-spaces; members are arrays. */
export class Tuple extends Space<unknown[]> {
  constructor(readonly spaces: readonly Space[], seed?: number) {
    super(seed);
    this.seedChildren(seed ?? 0);
  }
  private seedChildren(seed: number): void {
    const rng = new Rng(seed);
    for (const s of this.spaces) s.seed(rng.childSeed());
  }
  override seed(seed: number): number {
    super.seed(seed);
    this.seedChildren(seed);
    return seed;
  }
  sample(): unknown[] {
    return this.spaces.map((s) => s.sample());
  }
  contains(value: unknown): value is unknown[] {
    return Array.isArray(value) && value.length === this.spaces.length && this.spaces.every((s, i) => s.contains(value[i]));
  }
  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }
}

/**
 * A batch of `n` members of one space, as a vector env returns them: members are arrays of
 * `n` members of `space`, sub-env i at index i. `sample()` draws each element from its own
 * copy of `space` (seeded from this space's seed), so batch samples do not move the single
 * space's generator. `shape` is `[n, ...space.shape]` for a space with a shape (Box,
 * MultiBinary), else `[n]`. Build batches with `batchSpace`.
 */
export class Batch<T = unknown> extends Space<T[]> {
  private readonly copies: Space<T>[];
  constructor(readonly space: Space<T>, readonly n: number, seed?: number) {
    super(seed);
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`Batch n must be a positive integer, got ${n}`);
    this.copies = Array.from({ length: n }, () => copySpace(space));
    this.seedChildren(seed ?? 0);
  }
  private seedChildren(seed: number): void {
    const rng = new Rng(seed);
    for (const s of this.copies) s.seed(rng.childSeed());
  }
  override seed(seed: number): number {
    super.seed(seed);
    this.seedChildren(seed);
    return seed;
  }
  get shape(): number[] {
    const inner = (this.space as { shape?: unknown }).shape;
    return Array.isArray(inner) ? [this.n, ...(inner as number[])] : [this.n];
  }
  sample(): T[] {
    return this.copies.map((s) => s.sample());
  }
  contains(value: unknown): value is T[] {
    return this.explain(value) === null;
  }
  override explain(value: unknown): string | null {
    if (!Array.isArray(value)) return `expected an array of ${this.n} members of ${this.space.toString()}`;
    if (value.length !== this.n) return `expected ${this.n} members, got ${value.length}`;
    for (let i = 0; i < this.n; i++) {
      const why = this.space.explain(value[i]);
      if (why !== null) return `member ${i}: ${why}`;
    }
    return null;
  }
  toJSON(): SpaceJSON {
    return { type: 'Batch', n: this.n, space: this.space.toJSON() };
  }
}

/**
 * An independent copy of a space (same members, its own generator). The built-in spaces are
 * rebuilt from their fields (not from toJSON, which writes infinite Box bounds as +-1e308);
 * another Space subclass is copied field by field and re-seeded.
 */
function copySpace<T>(space: Space<T>): Space<T> {
  const s: Space = space;
  let copy: Space;
  if (s instanceof Discrete) copy = new Discrete(s.n, s.start);
  else if (s instanceof Box) copy = new Box(Array.from(s.low), Array.from(s.high), s.shape, s.dtype);
  else if (s instanceof MultiDiscrete) copy = new MultiDiscrete(s.nvec, undefined, s.start);
  else if (s instanceof MultiBinary) copy = new MultiBinary(s.n);
  else if (s instanceof Text) copy = new Text(s.maxLength, s.minLength, s.charset);
  else if (s instanceof Dict) copy = new Dict(Object.fromEntries(Object.entries(s.spaces).map(([k, v]) => [k, copySpace(v as Space)])));
  else if (s instanceof Tuple) copy = new Tuple(s.spaces.map((v) => copySpace(v)));
  else if (s instanceof Batch) copy = new Batch(copySpace((s as Batch).space), (s as Batch).n);
  else copy = Object.assign(Object.create(Object.getPrototypeOf(s) as object) as Space, s);
  return copy as Space<T>;
}

/**
 * The space of `n` members of `space` side by side, as Gymnasium's `batch_space`, for the
 * layout lmm-gym's vector envs return (an array of `n` members, not one stacked array):
 * `Discrete(k, start)` gives `MultiDiscrete([k, ...], start)` (exactly Gymnasium's), every
 * other space a `Batch` (Gymnasium stacks Box / MultiBinary / MultiDiscrete into one Box
 * and batches Dict / Tuple per key; see docs/envs.md). Members are arrays of `n` members.
 */
export function batchSpace<T>(space: Space<T>, n: number, seed?: number): Space<T[]> {
  if (!(space instanceof Space)) throw new TypeError(`batchSpace needs a Space, got ${String(space)}`);
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`batchSpace n must be a positive integer, got ${n}`);
  if (space instanceof Discrete) {
    return new MultiDiscrete(new Array<number>(n).fill(space.n), seed, new Array<number>(n).fill(space.start)) as unknown as Space<T[]>;
  }
  return new Batch(space, n, seed);
}

/** Rebuild a space from its JSON description. */
export function spaceFromJSON(json: SpaceJSON): Space {
  switch (json.type) {
    case 'Discrete': return new Discrete(json.n, json.start);
    case 'Box': return new Box(json.low, json.high, json.shape, json.dtype);
    case 'MultiDiscrete': return new MultiDiscrete(json.nvec, undefined, json.start);
    case 'MultiBinary': return new MultiBinary(json.shape);
    case 'Text': return new Text(json.maxLength, json.minLength, json.charset);
    case 'Dict': return new Dict(Object.fromEntries(Object.entries(json.spaces).map(([k, v]) => [k, spaceFromJSON(v)])));
    case 'Tuple': return new Tuple(json.spaces.map(spaceFromJSON));
    case 'Batch': return new Batch(spaceFromJSON(json.space), json.n);
  }
}
