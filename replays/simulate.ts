import type { Env } from '../envs/core/env.js';
import { InvalidOptionError, LmmGymError } from '../envs/core/errors.js';
import { envEntry, listEnvs, make } from '../envs/core/registry.js';
import { resizeNearest } from '../envs/render/resize.js';
import type { Frame } from '../envs/render/frame.js';
import { ReplayFormatError, ReplayMismatchError, ReplayNotSimulatableError, type ReplayMismatch } from './errors.js';
import { decodeStoredFrame, type Replay, type ReplayStep } from './format.js';
import { pushAll } from '../envs/core/arrays.js';

/** One state of a replayed episode: index 0 is the start state, index i the state after step i-1. */
export interface ReplayState {
  index: number;
  /** The step taken FROM this state (null for the final state). */
  step: ReplayStep | null;
  /** The step that led INTO this state (null for the start state). */
  previous: ReplayStep | null;
  /** The game frame at replay size (a fresh copy), when frames were asked. */
  frame: Frame | null;
  /** describe() of the state, when text was asked (or stored). */
  text: string | null;
  /** Mismatches found on the step that led into this state (with onMismatch 'collect'). */
  mismatches: ReplayMismatch[];
}

export interface ReplayStatesOptions {
  /** Render frames (default true). */
  frames?: boolean;
  /** Produce describe() texts (default false; stored texts are used when present). */
  text?: boolean;
  /**
   * Where frames come from: 'simulate' (make + reset + the recorded actions), 'stored'
   * (frames saved in the file), 'auto' (default: simulate when the env can be rebuilt,
   * else stored frames).
   */
  source?: 'auto' | 'simulate' | 'stored';
  /** Integer upscale of the game frame (default 1). A `tileSize` env option is raised instead of resampling. */
  scale?: number;
  /** Extra make() options (e.g. a render size option). Rewards are still verified. */
  envOptions?: Record<string, unknown>;
  /** 'throw' (default): a ReplayMismatchError at the first differing step; 'collect': report and go on. */
  onMismatch?: 'throw' | 'collect';
}

/**
 * How to draw an env bigger for replays: the make() options that scale its frame by `k`
 * (return null when it cannot), and optionally the scale 'auto' should pick. Envs with a
 * `tileSize` option need none (it is multiplied); others fall back to nearest upscaling.
 */
export interface ReplayScaler {
  options(envOptions: Record<string, unknown>, k: number): Record<string, unknown> | null;
  autoScale?: number;
}

const scalers = new Map<string, ReplayScaler>();

/** Declare how replays draw `envId` at a larger size (env owners or plugins). */
export function registerReplayScaler(envId: string, scaler: ReplayScaler): void {
  scalers.set(envId, scaler);
}

/** The scaler of an env id (the tileSize rule when none is registered). */
export function replayScaler(envId: string | null): ReplayScaler {
  return (envId !== null ? scalers.get(envId) : undefined) ?? TILE_SIZE_SCALER;
}

const TILE_SIZE_SCALER: ReplayScaler = {
  options: (o, k) => (typeof o.tileSize === 'number' ? { tileSize: o.tileSize * k } : null),
};

// Football-v0 draws its pitch at any width x height (FOOTBALL_REPLAY_SIZE is 512 x 256 = 4x the model view).
registerReplayScaler('Football-v0', {
  options: (o, k) => (typeof o.width === 'number' && typeof o.height === 'number' ? { width: o.width * k, height: o.height * k } : null),
  autoScale: 4,
});

/** Whether the replay's env can be rebuilt here (seeded and registered). */
export function canSimulate(replay: Replay): boolean {
  if (replay.header.seed === null || replay.header.envId === null) return false;
  try { envEntry(replay.header.envId); return true; } catch { return false; }
}

/** Whether every state has a stored frame. */
export function hasStoredFrames(replay: Replay): boolean {
  return replay.header.frame !== undefined && replay.steps.every((s) => s.frame !== undefined);
}

/**
 * Walk a replay state by state, re-simulating (or reading stored frames). Re-simulation
 * checks each step's reward, terminated and truncated against the recording: with
 * onMismatch 'throw' the first difference throws ReplayMismatchError (naming the step and
 * its file line), with 'collect' it is attached to the state.
 */
export function* replayStates(replay: Replay, options: ReplayStatesOptions = {}): Generator<ReplayState> {
  const source = options.source ?? 'auto';
  const useStored = source === 'stored' || (source === 'auto' && !canSimulate(replay) && hasStoredFrames(replay));
  if (useStored) yield* storedStates(replay, options);
  else yield* simulatedStates(replay, options);
}

function* storedStates(replay: Replay, options: ReplayStatesOptions): Generator<ReplayState> {
  const wantFrames = options.frames ?? true;
  if (wantFrames && !hasStoredFrames(replay)) throw new ReplayNotSimulatableError(`${replay.source}: the replay has no stored frames for every state`);
  const scale = checkScale(options.scale ?? 1);
  const { header, steps } = replay;
  const frameOf = (f: Parameters<typeof decodeStoredFrame>[0] | undefined, line: number) => {
    if (!wantFrames || !f) return null;
    let frame: Frame;
    try {
      frame = decodeStoredFrame(f);
    } catch (e) {
      if (e instanceof RangeError) throw new ReplayFormatError(e.message, line, replay.source);
      throw e;
    }
    return scale === 1 ? frame : resizeNearest(frame, frame.width * scale, frame.height * scale);
  };
  for (let i = 0; i <= steps.length; i++) {
    yield {
      index: i, step: steps[i] ?? null, previous: steps[i - 1] ?? null,
      frame: frameOf(i === 0 ? header.frame : steps[i - 1]!.frame, i === 0 ? 1 : replay.stepLines[i - 1] ?? 0),
      text: (i === 0 ? header.text : steps[i - 1]!.text) ?? null,
      mismatches: [],
    };
  }
}

/** make() the replay's env, with render overrides when they are accepted. */
export function makeReplayEnv(replay: Replay, extra: Record<string, unknown> = {}): Env {
  const { envId, seed } = replay.header;
  if (envId === null) throw new ReplayNotSimulatableError(`${replay.source}: the replay has no env id (an env not made with make()), so it cannot be re-simulated; record with frames to watch it`);
  if (seed === null) throw new ReplayNotSimulatableError(`${replay.source}: the replay has no seed (the episode continued an earlier random stream), so it cannot be re-simulated; reset({ seed }) each recorded episode or record with frames`);
  try {
    envEntry(envId);
  } catch {
    throw new ReplayNotSimulatableError(`${replay.source}: env ${JSON.stringify(envId)} is not registered here (registered: ${listEnvs().map((e) => e.id).join(', ')}); import the module that registers it (lmm-gym replay --import MODULE)`);
  }
  try {
    return make(envId, { ...replay.header.envOptions, ...extra });
  } catch (e) {
    if (e instanceof LmmGymError) throw new ReplayNotSimulatableError(`${replay.source}: cannot rebuild ${envId} with the recorded options: ${e.message}`);
    throw e;
  }
}

function* simulatedStates(replay: Replay, options: ReplayStatesOptions): Generator<ReplayState> {
  const wantFrames = options.frames ?? true;
  const wantText = options.text ?? false;
  const collect = options.onMismatch === 'collect';
  const scale = checkScale(options.scale ?? 1);
  const { header, steps, stepLines } = replay;
  let env = makeReplayEnv(replay, options.envOptions);
  // Prefer the env's own larger drawing over resampling; fall back when it refuses the size
  // or draws another size than asked.
  let resample = scale;
  if (wantFrames && scale > 1) {
    const recorded = { ...(env.spec?.options ?? {}), ...header.envOptions, ...options.envOptions };
    const bigger = replayScaler(header.envId).options(recorded, scale);
    const userSet = bigger !== null && Object.keys(bigger).some((k) => options.envOptions?.[k] !== undefined);
    if (bigger && !userSet) {
      try {
        const big = makeReplayEnv(replay, { ...options.envOptions, ...bigger });
        const small = frameSize(env, replay), large = frameSize(big, replay);
        if (large.width === small.width * scale && large.height === small.height * scale) {
          env.close();
          env = big;
          resample = 1;
        } else big.close();
      } catch (e) {
        if (!(e instanceof LmmGymError)) throw e;
      }
    }
  }
  try {
    env.reset({ seed: header.seed!, options: header.resetOptions });
    const grab = (): Frame | null => {
      if (!wantFrames) return null;
      const f = env.render();
      return resample === 1 ? { width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) } : resizeNearest(f, f.width * resample, f.height * resample);
    };
    const describe = (stored: string | undefined) => (wantText ? env.describe() : stored ?? null);
    let pending: ReplayMismatch[] = [];
    let done = false;
    for (let i = 0; i <= steps.length; i++) {
      yield { index: i, step: steps[i] ?? null, previous: steps[i - 1] ?? null, frame: grab(), text: describe(i === 0 ? header.text : steps[i - 1]!.text), mismatches: pending };
      const step = steps[i];
      if (!step) break;
      const line = stepLines[i] ?? null;
      pending = [];
      if (done) {
        pending.push({ t: step.t, line, field: 'ended-early', recorded: null, simulated: 'terminated or truncated' });
      } else {
        try {
          const r = env.step(step.action);
          if (r.reward !== step.reward) pending.push({ t: step.t, line, field: 'reward', recorded: step.reward, simulated: r.reward });
          if (r.terminated !== step.terminated) pending.push({ t: step.t, line, field: 'terminated', recorded: step.terminated, simulated: r.terminated });
          if (r.truncated !== step.truncated) pending.push({ t: step.t, line, field: 'truncated', recorded: step.truncated, simulated: r.truncated });
          done = r.terminated || r.truncated;
        } catch (e) {
          if (!(e instanceof LmmGymError)) throw e;
          pending.push({ t: step.t, line, field: 'step-error', recorded: step.action, simulated: e.message });
          done = true;
        }
      }
      if (pending.length && !collect) throw new ReplayMismatchError(pending, replay.source);
    }
  } finally {
    env.close();
  }
}

function frameSize(env: Env, replay: Replay): { width: number; height: number } {
  env.reset({ seed: replay.header.seed!, options: replay.header.resetOptions });
  const f = env.render();
  return { width: f.width, height: f.height };
}

function checkScale(scale: number): number {
  if (!Number.isSafeInteger(scale) || scale < 1 || scale > 16) throw new InvalidOptionError(`replay scale must be an integer in [1, 16], got ${scale}`);
  return scale;
}

export interface ReplayVerifyReport {
  ok: boolean;
  steps: number;
  mismatches: ReplayMismatch[];
}

/** Re-simulate without rendering and list every mismatch (no throw). */
export function verifyReplay(replay: Replay, options: Pick<ReplayStatesOptions, 'envOptions'> = {}): ReplayVerifyReport {
  const mismatches: ReplayMismatch[] = [];
  for (const s of replayStates(replay, { ...options, frames: false, source: 'simulate', onMismatch: 'collect' })) pushAll(mismatches, s.mismatches);
  return { ok: mismatches.length === 0, steps: replay.steps.length, mismatches };
}
