import seedrandom from 'seedrandom';
import { randomInt } from 'node:crypto';
import { InvalidSeedError, describeValue } from './errors.js';

/** Throw a typed error unless `seed` is a non-negative safe integer. */
export function validateSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidSeedError(`seed must be a non-negative safe integer, got ${describeValue(seed)}`);
  }
  return seed;
}

/**
 * A fresh seed for callers that gave none (like Gymnasium's entropy seeding). The
 * value is returned so it can be recorded: every random number after it is replayable.
 */
export function entropySeed(): number {
  return randomInt(0, 2 ** 47);
}

/**
 * The state of an Rng's Alea generator (from `state()`, for `Rng.fromState`): plain numbers,
 * JSON-friendly. Declared here so that the package's types do not need @types/seedrandom.
 */
export interface RngState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

/**
 * The one random number generator of lmm-gym: seedrandom's Alea (fast, 32-bit state
 * words, well distributed). Every env, space and agent draws from one of these.
 */
export class Rng {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;
  readonly seed: number;

  constructor(seed: number = entropySeed()) {
    this.seed = validateSeed(seed);
    this.prng = seedrandom.alea(String(seed), { state: true });
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  intBetween(lo: number, hi: number): number {
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + this.prng() * (hi - lo);
  }

  /** Standard normal sample (Box-Muller). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Shuffle in place (Fisher-Yates) and return the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** A seed for a child generator, so sub-streams stay independent and replayable. */
  childSeed(): number {
    return Math.floor(this.prng() * 2 ** 32) * 2 ** 15 + Math.floor(this.prng() * 2 ** 15);
  }

  /** Opaque generator state, for checkpoints. */
  state(): RngState {
    return this.prng.state();
  }

  /** Rebuild a generator from `state()`. */
  static fromState(seed: number, state: RngState): Rng {
    const rng = new Rng(seed);
    rng.prng = seedrandom.alea('', { state });
    return rng;
  }
}
