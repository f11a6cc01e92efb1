import { isFrame, framesEqual, type Frame } from '../render/frame.js';
import type { Env, StepResult } from './env.js';
import { EnvCheckError, InvalidActionError, ResetNeededError } from './errors.js';
import { Discrete, Space } from './spaces.js';

export interface CheckEnvOptions {
  /** Seed for the determinism checks (default 123). */
  seed?: number;
  /** Steps per determinism rollout (default 50). */
  steps?: number;
  /** Skip the render() checks (for envs without images). */
  skipRender?: boolean;
}

/** Deep equality for observations and infos (typed arrays, frames, plain objects). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object), kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Copy an observation so later steps cannot mutate what we compare. */
function snapshot<T>(v: T): T {
  return structuredClone(v);
}

function rollout(env: Env, seed: number, actions: unknown[]): { obs: unknown[]; rewards: number[]; frames: Frame[] } {
  const obs: unknown[] = [];
  const rewards: number[] = [];
  const frames: Frame[] = [];
  obs.push(snapshot(env.reset({ seed }).observation));
  for (const a of actions) {
    const r = env.step(a);
    obs.push(snapshot(r.observation));
    rewards.push(r.reward);
    frames.push(structuredClone(env.render()));
    if (r.terminated || r.truncated) break;
  }
  return { obs, rewards, frames };
}

/**
 * Gymnasium-style env checker. Throws EnvCheckError listing every problem found:
 * spaces, reset/step signatures and types, observations inside the observation space,
 * seeding and step determinism, render() frames, stepping after the end and
 * out-of-space actions being errors. Returns the number of checks passed.
 */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): number {
  const seed = options.seed ?? 123;
  const steps = options.steps ?? 50;
  const problems: string[] = [];
  let passed = 0;
  const check = (ok: boolean, message: string) => { if (ok) passed++; else problems.push(message); };
  const attempt = (what: string, fn: () => void) => {
    try { fn(); } catch (e) { problems.push(`${what} threw ${(e as Error).name}: ${(e as Error).message}`); }
  };

  check(env.actionSpace instanceof Space, 'actionSpace is not a Space');
  check(env.observationSpace instanceof Space, 'observationSpace is not a Space');
  check(Array.isArray(env.metadata?.renderModes) && typeof env.metadata?.renderFps === 'number', 'metadata needs renderModes (array) and renderFps (number)');
  if (env.actionNames !== undefined && env.actionSpace instanceof Discrete) {
    check(env.actionNames.length === env.actionSpace.n, `actionNames has ${env.actionNames.length} names for Discrete(${env.actionSpace.n})`);
  }
  if (problems.length > 0) throw new EnvCheckError(problems);

  // reset: signature, types, observation in space, same seed -> same observation.
  attempt('reset', () => {
    const r1 = env.reset({ seed });
    check(r1 !== null && typeof r1 === 'object' && 'observation' in r1 && 'info' in r1, 'reset() must return { observation, info }');
    check(r1.info !== null && typeof r1.info === 'object', 'reset() info must be an object');
    check(env.observationSpace.contains(r1.observation), `reset() observation is not in observationSpace: ${env.observationSpace.explain(r1.observation)}`);
    const o1 = snapshot(r1.observation);
    const r2 = env.reset({ seed });
    check(deepEqual(o1, r2.observation), 'reset with the same seed gave a different observation');
    const unseeded = env.reset({ options: {} });
    check(env.observationSpace.contains(unseeded.observation), 'reset() without seed: observation is not in observationSpace');
  });

  // step: five fields of the right types, observation in space.
  attempt('step', () => {
    env.reset({ seed });
    env.actionSpace.seed(seed);
    const r: StepResult<unknown> = env.step(env.actionSpace.sample());
    check(typeof r.reward === 'number' && Number.isFinite(r.reward), `step() reward must be a finite number, got ${String(r.reward)}`);
    check(typeof r.terminated === 'boolean', 'step() terminated must be a boolean');
    check(typeof r.truncated === 'boolean', 'step() truncated must be a boolean');
    check(r.info !== null && typeof r.info === 'object', 'step() info must be an object');
    check(env.observationSpace.contains(r.observation), `step() observation is not in observationSpace: ${env.observationSpace.explain(r.observation)}`);
  });

  // determinism: same seed and actions -> same observations, rewards and frames.
  attempt('determinism rollout', () => {
    env.actionSpace.seed(seed + 1);
    const actions = Array.from({ length: steps }, () => env.actionSpace.sample());
    const a = rollout(env, seed, actions);
    const b = rollout(env, seed, actions);
    check(deepEqual(a.obs, b.obs), 'same seed and actions gave different observations');
    check(deepEqual(a.rewards, b.rewards), 'same seed and actions gave different rewards');
    if (!options.skipRender) check(a.frames.length === b.frames.length && a.frames.every((f, i) => framesEqual(f, b.frames[i]!)), 'same seed and actions gave different frames');
  });

  // render and describe.
  if (!options.skipRender) {
    attempt('render', () => {
      env.reset({ seed });
      const f = env.render();
      check(isFrame(f), 'render() must return { width, height, data: Uint8ClampedArray(width*height*4) }');
    });
  }
  attempt('describe', () => {
    env.reset({ seed });
    const t = env.describe();
    check(typeof t === 'string' && t.length > 0, 'describe() must return a non-empty string');
  });

  // stepping after the end is an error.
  attempt('episode end', () => {
    env.reset({ seed });
    env.actionSpace.seed(seed + 2);
    let ended = false;
    for (let i = 0; i < 100_000 && !ended; i++) {
      const r = env.step(env.actionSpace.sample());
      ended = r.terminated || r.truncated;
    }
    if (!ended) { problems.push('episode did not end within 100000 random steps (no time limit?)'); return; }
    let threw = false;
    try { env.step(env.actionSpace.sample()); } catch (e) { threw = e instanceof ResetNeededError; }
    check(threw, 'step() after the episode ended must throw ResetNeededError');
  });

  // actions outside the space are errors.
  attempt('invalid actions', () => {
    for (const bad of [Number.NaN, -1, 1e9, 'up?', null, { a: 1 }]) {
      if (env.actionSpace.contains(bad)) continue;
      env.reset({ seed });
      let threw = false;
      try { env.step(bad); } catch (e) { threw = e instanceof InvalidActionError; }
      check(threw, `step(${JSON.stringify(bad)}) must throw InvalidActionError`);
    }
  });

  attempt('close', () => { env.close(); env.close(); });
  if (problems.length > 0) throw new EnvCheckError(problems);
  return passed;
}
