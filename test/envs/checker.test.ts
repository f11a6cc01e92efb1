import { describe, expect, it } from 'vitest';
import { BaseEnv, Discrete, EnvCheckError, checkEnv, createFrame, make, type Frame, type ResetResult, type StepResult } from '../../index.js';
import { ContractGuard } from '../../envs/core/wrappers/contract-guard.js';
import { TimeLimit } from '../../envs/core/wrappers/time-limit.js';

/** An env with configurable bugs, to prove the checker catches each. */
class BuggyEnv extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Discrete(10);
  private s = 0;
  private calls = 0;
  constructor(readonly bug: 'none' | 'nondeterministic' | 'out-of-space' | 'bad-frame' | 'nan-reward') { super(); }
  protected onReset(): ResetResult<number> {
    this.s = this.bug === 'nondeterministic' ? this.calls++ % 10 : this.rng.int(3);
    return { observation: this.s, info: {} };
  }
  protected onStep(a: number): StepResult<number> {
    this.s = Math.min(9, this.s + a);
    const obs = this.bug === 'out-of-space' ? 42 : this.s;
    return { observation: obs, reward: this.bug === 'nan-reward' ? Number.NaN : a, terminated: this.s >= 9, truncated: false, info: {} };
  }
  render(): Frame {
    return this.bug === 'bad-frame' ? { width: 3, height: 3, data: new Uint8ClampedArray(5) } : createFrame(3, 3);
  }
  describe(): string { return `s=${this.s}`; }
}

const guarded = (env: BaseEnv<number, number>) => new ContractGuard(new TimeLimit(env, 30));

describe('checkEnv', () => {
  it('passes a correct env and FrozenLake', () => {
    expect(checkEnv(guarded(new BuggyEnv('none')))).toBeGreaterThan(10);
    expect(checkEnv(make('FrozenLake-v0'))).toBeGreaterThan(10);
    expect(checkEnv(make('FrozenLake-v0', { map: '8x8', slippery: false }))).toBeGreaterThan(10);
    expect(checkEnv(make('FrozenLake-v0', { map: 'random', size: 6 }))).toBeGreaterThan(10);
  });

  it.each([
    ['nondeterministic', /same seed gave a different observation/],
    ['out-of-space', /step\(\) observation is not in observationSpace/],
    ['bad-frame', /render\(\) must return/],
    ['nan-reward', /reward must be a finite number/],
  ] as const)('catches %s', (bug, message) => {
    expect(() => checkEnv(guarded(new BuggyEnv(bug)))).toThrow(EnvCheckError);
    expect(() => checkEnv(guarded(new BuggyEnv(bug)))).toThrow(message);
  });

  it('catches a raw env that lets you step after the end or with a bad action', () => {
    const e = (() => { try { checkEnv(new BuggyEnv('none')); return null; } catch (err) { return err as EnvCheckError; } })();
    expect(e).toBeInstanceOf(EnvCheckError);
    expect(e!.problems.join('\n')).toMatch(/after the episode ended must throw/);
    expect(e!.problems.join('\n')).toMatch(/must throw InvalidActionError/);
  });
});
