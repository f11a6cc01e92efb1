import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Discrete, InvalidActionError, InvalidOptionError, InvalidSeedError, RegistryError, ResetNeededError,
  checkEnv, createFrame, listEnvs, make, register, unregister, type Frame, type ResetResult, type StepResult,
} from '../../index.js';

/** A third-party env: count to a target, registered exactly like a built-in one. */
class CounterEnv extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Discrete(100);
  override readonly actionNames = ['stay', 'inc'];
  private n = 0;
  constructor(readonly target: number) { super(); }
  protected onReset(): ResetResult<number> {
    this.n = this.rng.int(3);
    return { observation: this.n, info: {} };
  }
  protected onStep(a: number): StepResult<number> {
    this.n += a;
    return { observation: this.n, reward: a, terminated: this.n >= this.target, truncated: false, info: {} };
  }
  render(): Frame { return createFrame(4, 4, [this.n, 0, 0, 255]); }
  describe(): string { return `count ${this.n}`; }
}

describe('registry', () => {
  it('lists built-in envs with descriptions', () => {
    const ids = listEnvs().map((e) => e.id);
    expect(ids).toContain('FrozenLake-v0');
    expect(listEnvs().every((e) => e.description.length > 10)).toBe(true);
  });

  it('names the registered ids on an unknown id', () => {
    expect(() => make('Nope-v0')).toThrow(RegistryError);
    expect(() => make('Nope-v0')).toThrow(/FrozenLake-v0/);
  });

  it('names the valid options on an unknown option, and checks values', () => {
    expect(() => make('FrozenLake-v0', { slipery: true })).toThrow(InvalidOptionError);
    expect(() => make('FrozenLake-v0', { slipery: true })).toThrow(/valid options: .*slippery/);
    expect(() => make('FrozenLake-v0', { map: '5x5' })).toThrow(/4x4, 8x8, random/);
    expect(() => make('FrozenLake-v0', { maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps/);
  });

  it('registers third-party envs like built-ins, applying time limit and guard', () => {
    register('Counter-v0', (o) => new CounterEnv(o.target as number), { description: 'count up to a target number', options: { target: 5 }, maxEpisodeSteps: 8 });
    try {
      expect(() => register('Counter-v0', () => new CounterEnv(1), { description: 'dup' })).toThrow(RegistryError);
      const env = make<number, number>('Counter-v0', { target: 50 });
      expect(env.spec).toMatchObject({ id: 'Counter-v0', options: { target: 50 }, maxEpisodeSteps: 8 });
      expect(() => env.step(1)).toThrow(ResetNeededError);
      env.reset({ seed: 1 });
      let r!: StepResult<number>;
      for (let i = 0; i < 8; i++) r = env.step(0);
      expect(r.truncated).toBe(true);
      expect(r.terminated).toBe(false);
      expect(() => env.step(0)).toThrow(ResetNeededError);
      env.reset();
      expect(() => env.step(2)).toThrow(InvalidActionError);
      expect(() => env.step(Number.NaN)).toThrow(/invalid action NaN.*0=stay, 1=inc/);
      expect(() => env.reset({ seed: -1 })).toThrow(InvalidSeedError);
      expect(() => env.reset({ seed: 1.5 })).toThrow(InvalidSeedError);
      expect(checkEnv(make('Counter-v0'))).toBeGreaterThan(10);
      expect(listEnvs().map((e) => e.id)).toContain('Counter-v0');
    } finally {
      unregister('Counter-v0');
    }
  });

  it('rejects malformed ids', () => {
    expect(() => register('no version', () => new CounterEnv(1), { description: 'x' })).toThrow(/Name-v0/);
  });
});
