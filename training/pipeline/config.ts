/**
 * The training config (JSON): stages run in order (prime -> fre -> mgt, and the fusion
 * stages fuse-sft and dpo of issue 16 anywhere in between), each with its envs,
 * algorithm and budget; the checkpoint of one stage starts the next. `validateTrainConfig`
 * checks everything before any training starts and throws a TrainingConfigError naming the
 * bad field (e.g. `stages[1].envs[0].mode`). Defaults are filled in, so the returned
 * config is complete and is saved next to the run for reference.
 */
import { readFileSync } from 'node:fs';
import { OBSERVATION_MODES, type ObservationMode } from '../../envs/core/wrappers/observation-mode.js';
import { limitMessage } from '../../envs/core/limits.js';
import { maxOf } from '../../envs/core/arrays.js';
import { TrainingConfigError } from '../errors.js';
import { ADVANTAGE_ESTIMATORS, type AdvantageEstimator } from '../rl/advantages.js';
import { KL_ESTIMATORS, type KlPrefix } from '../rl/kl.js';
import { DEFAULT_DUAL_CLIP, LOSS_AGGREGATIONS } from '../rl/loss.js';
import { CREDIT_MODES, DEFAULT_TURN_CREDIT, TURN_BASELINES, TURN_FORMATS, type CreditConfig } from '../rl/turn-credit.js';
import type { UpdateSettings } from '../rl/update.js';
import { ORACLE_STYLES, type OracleStyle } from '../../agents/oracles/oracle.js';
import { REWARD_COMPONENTS } from '../rollout/components.js';
import { DPO_LOSSES, type DpoLoss } from '../fusion/losses.js';
import type { FuseDataSpec, FuseSource } from '../fusion/dataset.js';

export const STAGE_TYPES = ['prime', 'fre', 'mgt', 'fuse-sft', 'dpo'] as const;
export type StageType = (typeof STAGE_TYPES)[number];
export type InteractionStyle = 'step' | 'plan';

/** One env of a stage: what is played, how it is shown and how the agent answers. */
export interface StageEnvSpec {
  id: string;
  options: Record<string, unknown>;
  mode: ObservationMode;
  style: InteractionStyle;
  /** Share of the stage's prompts drawn from this env (relative weight, default 1). */
  weight: number;
  /** Step mode: actions per answer (default 1); plan mode: plan limit (default 50). */
  maxActions?: number;
  /** Step mode: most turns per episode (default: the LanguageEnv default). */
  maxTurns?: number;
  /** Step mode: past actions shown (default 5). */
  historyLength?: number;
  /** Malformed answer in step mode: 'noop' (default) or 'end'. */
  invalidAnswer?: 'noop' | 'end';
  invalidPenalty?: number;
  /** Prime stages: oracle episodes traced for this env (default: the stage's `traces`). */
  traces?: number;
  /** Prime stages: the oracle's reasoning style, 'verbose' (default) or 'compact'. */
  reasoning?: OracleStyle;
}

/** The RL algorithm of a stage: the policy update's settings (temperature comes from sampling) plus the advantage estimator. */
export interface AlgorithmConfig extends Omit<UpdateSettings, 'temperature'> {
  estimator: AdvantageEstimator;
  /** 'batch': whiten advantages over the batch after the group baseline (REINFORCE++). */
  normalize: 'none' | 'batch';
  /**
   * Credit assignment over the turns of an episode (training/rl/turn-credit.ts): 'episode'
   * (default) gives every turn the episode's advantage; 'turn' gives each turn the group
   * advantage of its discounted reward-to-go. Written `"episode"`, `"turn"` (the turn
   * defaults) or `{mode: "turn", gamma, baseline, format}`; validated to the object form.
   */
  credit: CreditConfig;
  /**
   * A stronger KL on the start of each response: `{until, weight}` multiplies klCoef by
   * `weight` on the tokens before the first `until` text (e.g. the board reading, `"; box"`);
   * null (default) = the same KL on every token. Needs klCoef > 0.
   */
  klPrefix: KlPrefix | null;
  /**
   * DAPO's dynamic sampling: 0 (default) = off; N >= 1 = groups whose rewards are all equal
   * are dropped and more sampled, up to N rounds of `batch` groups per update, until `batch`
   * informative groups (training/rollout/collect.ts, collectInformativeRollouts).
   */
  dynamicSampling: number;
}

export interface SamplingConfig {
  temperature: number;
  topP: number;
  /** Most tokens per response. */
  maxTokens: number;
}

export interface EvalConfig {
  /** Evaluate every N updates (0 = only at the stage end). */
  every: number;
  /** Episodes per env (held-out seeds). */
  episodes: number;
  /** First held-out seed; episode i uses seedStart + i. Training seeds are drawn below it. */
  seedStart: number;
  /** Evaluation sampling: 0 = greedy (default). */
  temperature: number;
  /** Envs to evaluate (default: the stage's envs), e.g. the MGT target after an FRE stage. */
  envs: StageEnvSpec[] | null;
  /**
   * A fixed test set (Boxoban file, e.g. data/sokoban/test-6x6-1box.txt): episode i plays
   * level i (the first `episodes` levels) instead of a level drawn from seedStart + i.
   */
  levels: string | null;
  /**
   * Keep the model of every eval as `<stage dir>/eval-step-N` (default false: only the
   * resumable checkpoint and the stage's end are kept), so any point of the curve can be
   * re-evaluated or shipped.
   */
  keep: boolean;
}

export interface ReplayConfig {
  /** Write replays of a few sample episodes every N updates (0 = off). */
  every: number;
  /** Episodes recorded each time (the best and worst of the batch first). */
  count: number;
}

interface StageBase {
  name: string;
  type: StageType;
  envs: StageEnvSpec[];
  /** Updates (gradient steps for prime; policy updates for fre/mgt). */
  steps: number;
  lr: number;
  eval: EvalConfig;
  replays: ReplayConfig;
}

export interface PrimeStageConfig extends StageBase {
  type: 'prime';
  /** Oracle episodes traced per env for the SFT data. */
  traces: number;
  /** Sequences per SFT step. */
  batch: number;
  /** Linear warm-up steps of the learning rate (default min(20, steps / 10)). */
  warmup: number | null;
  /** DAgger rounds after the first SFT pass (null: none); see training/priming/dagger.ts. */
  dagger: DaggerConfig | null;
}

/**
 * DAgger after priming: each round the model plays `episodes` training episodes of every
 * step-style env of the stage (sampled at `temperature`), the oracle labels every state it
 * visits, the labels join the SFT data, and `steps` more SFT steps follow.
 */
export interface DaggerConfig {
  rounds: number;
  episodes: number;
  steps: number;
  /** Learner's sampling temperature (default 0.5: a greedy learner repeats a blocked move, so its states are one loop). */
  temperature: number;
}

export interface RlStageConfig extends StageBase {
  type: 'fre' | 'mgt';
  algorithm: AlgorithmConfig;
  /** G: responses per prompt / start state (same env seed for the group). */
  groupSize: number;
  /** Prompts (groups) per update. */
  batch: number;
  /** Reward weights over components (accuracy, format, env, penalty ...). */
  rewards: Record<string, number>;
  sampling: SamplingConfig;
}

/**
 * The source-sampling dataset of a fusion stage (training/fusion/dataset.ts): prompts of
 * the stage's envs answered by every source, scored with the RL reward.
 */
export interface FuseDataConfig extends Omit<FuseDataSpec, 'envs' | 'seedLimit'> {
  /** Folder of the dataset (data.jsonl, images/); null: `<out>/datasets/<stage name>`. */
  dir: string | null;
}

/** A dpo stage's `data: { from: NAME }`: the dataset of the earlier fusion stage NAME. */
export interface FuseDataRef {
  from: string;
}

/** SFT on the best response per prompt across the sources (FuseChat step 1), with primeModel. */
export interface FuseSftStageConfig extends StageBase {
  type: 'fuse-sft';
  data: FuseDataConfig;
  /** Sequences per SFT step. */
  batch: number;
  /** Linear warm-up steps (default min(20, steps / 10)). */
  warmup: number | null;
  /** Prompts whose best response scores below this are left out (null: none). */
  minReward: number | null;
}

/** DPO on (best, worst) pairs of one source per prompt (FuseChat step 2). */
export interface DpoStageConfig extends StageBase {
  type: 'dpo';
  data: FuseDataConfig | FuseDataRef;
  /** Pairs per optimizer step. */
  batch: number;
  warmup: number | null;
  beta: number;
  loss: DpoLoss;
  /** Keep pairs whose reward gap is in [minGap, maxGap] (maxGap null: no bound). */
  minGap: number;
  maxGap: number | null;
  maxGradNorm: number;
}

export type StageConfig = PrimeStageConfig | RlStageConfig | FuseSftStageConfig | DpoStageConfig;

export interface ModelSpec {
  /** Model preset of agents/model (tiny, small). */
  preset: string;
  overrides: Record<string, number>;
  /** Start from this checkpoint directory instead of a fresh model (null: fresh). */
  init: string | null;
}

export interface TrainConfig {
  name: string;
  seed: number;
  /** Output directory (relative paths: to the current directory). */
  output: string;
  model: ModelSpec;
  /** Save a checkpoint every N updates within a stage (and always at its end). */
  checkpointEvery: number;
  sampling: SamplingConfig;
  stages: StageConfig[];
}

/** Hooks for checks that need other areas (env registry, model presets); set by the pipeline. */
export interface ConfigCheckHooks {
  /** Throw (any error) when the env id or options are not valid; the message is kept. */
  checkEnv?(id: string, options: Record<string, unknown>): void;
  /** Throw when the preset name is unknown. */
  checkModelPreset?(preset: string): void;
  /**
   * Throw when the preset with these overrides is not a valid model (unknown field, size
   * over its limit); an error with a `field` property names the override at fault.
   */
  checkModel?(preset: string, overrides: Record<string, number>): void;
  /** Throw when an agent spec (a fusion source) names no known agent kind. */
  checkAgent?(spec: string): void;
}

/**
 * Bounds that depend on several fields. `responsesPerUpdate` bounds batch x groupSize of an
 * RL stage (every response of an update is generated and held before the update).
 */
/** Prime stages draw trace seeds in [0, eval.seedStart - PRIME_TRACE_SEED_MARGIN). */
export const PRIME_TRACE_SEED_MARGIN = 10_000_000;

export const TRAIN_LIMITS = {
  responsesPerUpdate: 16384,
} as const;

// ---------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function fail(field: string, msg: string): never {
  throw new TrainingConfigError(field, msg);
}
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60) ?? String(v));

function obj(v: unknown, field: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(field, `expected an object, got ${show(v)}`);
  return v as Obj;
}
function noUnknown(o: Obj, field: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(field ? `${field}.${k}` : k, `unknown field; expected one of ${allowed.join(', ')}`);
  }
}
/** A field's value, or `def` when the field is absent. `null` is a value (an error where a number or string is expected), never "use the default". */
const given = <T>(o: Obj, k: string, def: T): unknown => (o[k] === undefined ? def : o[k]);

function str(o: Obj, k: string, field: string, def?: string): string {
  const v = given(o, k, def);
  if (typeof v !== 'string' || v.length === 0) fail(`${field}${k}`, `expected a non-empty string, got ${show(o[k])}`);
  return v;
}
function int(o: Obj, k: string, field: string, def: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = given(o, k, def);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(`${field}${k}`, `expected an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got ${show(o[k])}`);
  }
  return v;
}
function numIn(o: Obj, k: string, field: string, def: number | undefined, min: number, max: number, openMin = false): number {
  const v = given(o, k, def);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (openMin && v === min)) {
    fail(`${field}${k}`, `expected a number in ${openMin ? '(' : '['}${min}, ${max === Infinity ? '∞)' : max + ']'}, got ${show(o[k])}`);
  }
  return v;
}
function oneOf<T extends string>(o: Obj, k: string, field: string, def: T | undefined, values: readonly T[]): T {
  const v = given(o, k, def);
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(`${field}${k}`, `expected one of ${values.join(', ')}, got ${show(o[k])}`);
  return v as T;
}

const ENV_FIELDS = ['id', 'options', 'mode', 'style', 'weight', 'maxActions', 'maxTurns', 'historyLength', 'invalidAnswer', 'invalidPenalty', 'traces', 'reasoning'] as const;

function envSpec(v: unknown, field: string, hooks: ConfigCheckHooks): StageEnvSpec {
  const o = obj(v, field);
  noUnknown(o, field, ENV_FIELDS);
  const f = `${field}.`;
  const id = str(o, 'id', f);
  const options = o.options === undefined ? {} : obj(o.options, `${f}options`);
  const spec: StageEnvSpec = {
    id,
    options,
    mode: oneOf(o, 'mode', f, 'text', OBSERVATION_MODES),
    style: oneOf(o, 'style', f, 'step', ['step', 'plan'] as const),
    weight: numIn(o, 'weight', f, 1, 0, Infinity, true),
  };
  if (o.maxActions !== undefined) spec.maxActions = int(o, 'maxActions', f, undefined, 1, 1000);
  if (o.maxTurns !== undefined) spec.maxTurns = int(o, 'maxTurns', f, undefined, 1, 100000);
  if (o.historyLength !== undefined) spec.historyLength = int(o, 'historyLength', f, undefined, 0, 1000);
  if (o.invalidAnswer !== undefined) spec.invalidAnswer = oneOf(o, 'invalidAnswer', f, undefined, ['noop', 'end'] as const);
  if (o.invalidPenalty !== undefined) spec.invalidPenalty = numIn(o, 'invalidPenalty', f, undefined, -Infinity, Infinity);
  if (o.traces !== undefined) spec.traces = int(o, 'traces', f, undefined, 1, 10_000_000);
  if (o.reasoning !== undefined) spec.reasoning = oneOf(o, 'reasoning', f, undefined, ORACLE_STYLES);
  if (hooks.checkEnv) {
    try {
      hooks.checkEnv(id, options);
    } catch (e) {
      fail(/unknown env id/i.test((e as Error).message) ? `${f}id` : `${f}options`, (e as Error).message);
    }
  }
  return spec;
}

function sampling(v: unknown, field: string, base: SamplingConfig): SamplingConfig {
  if (v === undefined) return { ...base };
  const o = obj(v, field);
  noUnknown(o, field, ['temperature', 'topP', 'maxTokens']);
  const f = `${field}.`;
  return {
    temperature: numIn(o, 'temperature', f, base.temperature, 0, 10),
    topP: numIn(o, 'topP', f, base.topP, 0, 1, true),
    maxTokens: int(o, 'maxTokens', f, base.maxTokens, 1, 100000),
  };
}

const DEFAULT_SAMPLING: SamplingConfig = { temperature: 1, topP: 1, maxTokens: 64 };

function evalConfig(v: unknown, field: string, hooks: ConfigCheckHooks): EvalConfig {
  const o = v === undefined ? {} : obj(v, field);
  noUnknown(o, field, ['every', 'episodes', 'seedStart', 'temperature', 'envs', 'levels', 'keep']);
  if (o.keep !== undefined && typeof o.keep !== 'boolean') fail(`${field}.keep`, `expected true or false, got ${show(o.keep)}`);
  const f = `${field}.`;
  let envs: StageEnvSpec[] | null = null;
  if (o.envs !== undefined && o.envs !== null) {
    if (!Array.isArray(o.envs) || o.envs.length === 0) fail(`${f}envs`, `expected a non-empty array of envs, got ${show(o.envs)}`);
    envs = o.envs.map((e, j) => envSpec(e, `${f}envs[${j}]`, hooks));
  }
  return {
    every: int(o, 'every', f, 0, 0),
    episodes: int(o, 'episodes', f, 32, 0, 100000),
    seedStart: int(o, 'seedStart', f, 1_000_000_000, 1),
    temperature: numIn(o, 'temperature', f, 0, 0, 10),
    envs,
    levels: o.levels === undefined || o.levels === null ? null : str(o, 'levels', f),
    keep: o.keep === true,
  };
}

function replayConfig(v: unknown, field: string): ReplayConfig {
  const o = v === undefined ? {} : obj(v, field);
  noUnknown(o, field, ['every', 'count']);
  const f = `${field}.`;
  return { every: int(o, 'every', f, 0, 0), count: int(o, 'count', f, 2, 0, 1000) };
}

function algorithm(v: unknown, field: string): AlgorithmConfig {
  const o = v === undefined ? {} : obj(v, field);
  noUnknown(o, field, ['estimator', 'normalize', 'credit', 'clip', 'clipHigh', 'dualClip', 'klCoef', 'klEstimator', 'aggregation', 'ppoEpochs', 'miniBatch', 'maxGradNorm', 'entropyCoef', 'klPrefix', 'dynamicSampling']);
  const f = `${field}.`;
  const clip = numIn(o, 'clip', f, 0.2, 0, 1, true);
  const a: AlgorithmConfig = {
    estimator: oneOf(o, 'estimator', f, 'reinforce_baseline', ADVANTAGE_ESTIMATORS),
    normalize: oneOf(o, 'normalize', f, 'none', ['none', 'batch'] as const),
    clip,
    clipHigh: numIn(o, 'clipHigh', f, clip, 0, 10, true),
    dualClip: dualClip(o, f),
    klCoef: numIn(o, 'klCoef', f, 0, 0, 100),
    klEstimator: oneOf(o, 'klEstimator', f, 'k3', KL_ESTIMATORS),
    aggregation: oneOf(o, 'aggregation', f, 'token', LOSS_AGGREGATIONS),
    ppoEpochs: int(o, 'ppoEpochs', f, 1, 1, 100),
    miniBatch: int(o, 'miniBatch', f, 0, 0),
    maxGradNorm: numIn(o, 'maxGradNorm', f, 1, 0, Infinity),
    entropyCoef: numIn(o, 'entropyCoef', f, 0, 0, 10),
    credit: credit(o.credit, `${f}credit`),
    klPrefix: klPrefix(o.klPrefix, `${f}klPrefix`),
    dynamicSampling: int(o, 'dynamicSampling', f, 0, 0, 100),
  };
  if (a.klPrefix && a.klCoef === 0) fail(`${f}klPrefix`, 'needs klCoef > 0 (it multiplies the KL coefficient)');
  return a;
}

/** `algorithm.dualClip`: 0 (off) or a number > 1 (default DEFAULT_DUAL_CLIP, verl's clip_ratio_c). */
function dualClip(o: Obj, f: string): number {
  const v = numIn(o, 'dualClip', f, DEFAULT_DUAL_CLIP, 0, 100);
  if (v !== 0 && !(v > 1)) fail(`${f}dualClip`, `expected 0 (off) or a number > 1, got ${v}`);
  return v;
}

/** `algorithm.klPrefix`: null, or `{until, weight}` (a non-empty text and a multiplier in [0, 1000]). */
function klPrefix(v: unknown, field: string): KlPrefix | null {
  if (v === undefined || v === null) return null;
  const o = obj(v, field);
  noUnknown(o, field, ['until', 'weight']);
  const f = `${field}.`;
  return { until: str(o, 'until', f), weight: numIn(o, 'weight', f, undefined, 0, 1000) };
}

/** `algorithm.credit`: a mode name or `{mode, gamma, baseline, format}` (the turn fields only with mode 'turn'). */
function credit(v: unknown, field: string): CreditConfig {
  if (v === undefined || v === 'episode') return { mode: 'episode' };
  if (v === 'turn') return { ...DEFAULT_TURN_CREDIT };
  if (typeof v === 'string') fail(field, `expected one of ${CREDIT_MODES.join(', ')} or an object {mode, gamma, baseline, format}, got ${show(v)}`);
  const o = obj(v, field);
  const f = `${field}.`;
  const mode = oneOf(o, 'mode', f, undefined, CREDIT_MODES);
  if (mode === 'episode') {
    for (const k of ['gamma', 'baseline', 'format']) if (o[k] !== undefined) fail(`${f}${k}`, `applies to credit mode 'turn' only; mode 'episode' gives every turn the episode's advantage`);
    noUnknown(o, field, ['mode']);
    return { mode };
  }
  noUnknown(o, field, ['mode', 'gamma', 'baseline', 'format']);
  return {
    mode,
    gamma: numIn(o, 'gamma', f, DEFAULT_TURN_CREDIT.gamma, 0, 1, true),
    baseline: oneOf(o, 'baseline', f, DEFAULT_TURN_CREDIT.baseline, TURN_BASELINES),
    format: oneOf(o, 'format', f, DEFAULT_TURN_CREDIT.format, TURN_FORMATS),
  };
}

const STAGE_FIELDS_COMMON = ['name', 'type', 'envs', 'steps', 'lr', 'eval', 'replays', 'batch'];
const RL_FIELDS = [...STAGE_FIELDS_COMMON, 'algorithm', 'groupSize', 'rewards', 'sampling'];
const PRIME_FIELDS = [...STAGE_FIELDS_COMMON, 'traces', 'warmup', 'dagger'];
const FUSE_SFT_FIELDS = [...STAGE_FIELDS_COMMON, 'data', 'warmup', 'minReward'];
const DPO_FIELDS = [...STAGE_FIELDS_COMMON, 'data', 'warmup', 'beta', 'loss', 'minGap', 'maxGap', 'maxGradNorm'];
const DATA_FIELDS = ['sources', 'prompts', 'chunk', 'seed', 'rewards', 'maxTokens', 'dir'];
const SOURCE_FIELDS = ['agent', 'name', 'samples', 'temperature', 'settings'];
const FIELDS_OF: Record<StageType, string[]> = { prime: PRIME_FIELDS, fre: RL_FIELDS, mgt: RL_FIELDS, 'fuse-sft': FUSE_SFT_FIELDS, dpo: DPO_FIELDS };

/** Reward weights over the REWARD_COMPONENTS, over the RL default (accuracy 1, format 0.5, env 0, penalty 1). */
function rewardWeights(v: unknown, field: string): Record<string, number> {
  const rewards: Record<string, number> = { accuracy: 1, format: 0.5, env: 0, penalty: 1 };
  if (v === undefined) return rewards;
  for (const [k, w] of Object.entries(obj(v, field))) {
    if (!(REWARD_COMPONENTS as readonly string[]).includes(k)) fail(`${field}.${k}`, `unknown reward component; expected one of ${REWARD_COMPONENTS.join(', ')}`);
    if (typeof w !== 'number' || !Number.isFinite(w)) fail(`${field}.${k}`, `expected a finite number, got ${show(w)}`);
    rewards[k] = w;
  }
  return rewards;
}

/** What a fusion stage's `data` may refer to: the earlier stages and the run's settings. */
interface DataContext {
  prior: readonly StageConfig[];
  configSeed: number;
  baseSampling: SamplingConfig;
  hooks: ConfigCheckHooks;
}

function fuseSource(v: unknown, field: string, ctx: DataContext): FuseSource {
  const o = obj(v, field);
  noUnknown(o, field, SOURCE_FIELDS);
  const f = `${field}.`;
  const agent = str(o, 'agent', f);
  const colon = agent.indexOf(':');
  const kind = (colon < 0 ? agent : agent.slice(0, colon)).trim();
  if (kind === 'stage') {
    const ref = agent.slice(colon + 1);
    if (!ctx.prior.some((s) => s.name === ref)) fail(`${f}agent`, `stage:NAME samples the checkpoint of an earlier stage; no earlier stage is named ${show(ref)} (earlier: ${ctx.prior.map((s) => s.name).join(', ') || 'none'})`);
  } else if (ctx.hooks.checkAgent) {
    try { ctx.hooks.checkAgent(agent); } catch (e) { fail(`${f}agent`, (e as Error).message); }
  }
  return {
    name: str(o, 'name', f, agent),
    agent,
    samples: int(o, 'samples', f, 1, 1, 4096),
    temperature: o.temperature === undefined || o.temperature === null ? null : numIn(o, 'temperature', f, undefined, 0, 10),
    settings: o.settings === undefined ? {} : { ...obj(o.settings, `${f}settings`) },
  };
}

function fuseData(v: unknown, field: string, ctx: DataContext, allowFrom: boolean): FuseDataConfig | FuseDataRef {
  const o = obj(v, field);
  const f = `${field}.`;
  if (allowFrom && o.from !== undefined) {
    noUnknown(o, field, ['from']);
    const from = str(o, 'from', f);
    const owner = ctx.prior.find((s) => s.name === from);
    if (!owner || !('data' in owner)) fail(`${f}from`, `expected the name of an earlier fuse-sft or dpo stage, got ${show(from)}`);
    return { from };
  }
  noUnknown(o, field, allowFrom ? [...DATA_FIELDS, 'from'] : DATA_FIELDS);
  if (!Array.isArray(o.sources) || o.sources.length === 0) fail(`${f}sources`, `expected a non-empty array of sources ({agent, samples, temperature}), got ${show(o.sources)}`);
  const sources = o.sources.map((s, j) => fuseSource(s, `${f}sources[${j}]`, ctx));
  const names = new Set<string>();
  sources.forEach((s, j) => {
    if (names.has(s.name)) fail(`${f}sources[${j}].name`, `duplicate source name ${show(s.name)} (give each source its own name)`);
    names.add(s.name);
  });
  const chunk = int(o, 'chunk', f, 8, 1, 4096);
  const most = sources.reduce((m, s) => Math.max(m, s.samples), 1);
  if (chunk * most > TRAIN_LIMITS.responsesPerUpdate) fail(`${f}chunk`, limitMessage(`chunk x samples (${chunk} x ${most} episodes played at once)`, chunk * most, TRAIN_LIMITS.responsesPerUpdate));
  return {
    sources,
    prompts: int(o, 'prompts', f, 64, 1, 10_000_000),
    chunk,
    seed: int(o, 'seed', f, ctx.configSeed, 0),
    rewards: rewardWeights(o.rewards, `${f}rewards`),
    maxTokens: int(o, 'maxTokens', f, ctx.baseSampling.maxTokens, 1, 100000),
    dir: o.dir === undefined || o.dir === null ? null : str(o, 'dir', f),
  };
}

/** The stage whose dataset a fusion stage trains on: itself, or the stage its `data.from` names (resolving chains). */
export function datasetStage(stages: readonly StageConfig[], index: number): FuseSftStageConfig | DpoStageConfig {
  let s = stages[index]!;
  for (let hops = 0; hops <= stages.length; hops++) {
    if (s.type !== 'fuse-sft' && s.type !== 'dpo') throw new TrainingConfigError(`stages[${index}]`, 'not a fusion stage');
    if (!('from' in s.data)) return s;
    const from = s.data.from;
    const next = stages.find((t) => t.name === from);
    if (!next) throw new TrainingConfigError(`stages[${index}].data.from`, `no stage named ${show(from)}`);
    s = next;
  }
  throw new TrainingConfigError(`stages[${index}].data.from`, 'data.from refers in a circle');
}

/** The dataset spec of a fusion stage that declares its data: its envs and seed limit plus the data config. */
export function fuseDataSpec(owner: FuseSftStageConfig | DpoStageConfig): FuseDataSpec {
  if ('from' in owner.data) throw new TrainingConfigError(owner.name, 'this stage reuses another stage\'s dataset; resolve it with datasetStage first');
  const { dir: _dir, ...data } = owner.data;
  return { envs: owner.envs, sources: data.sources, prompts: data.prompts, chunk: data.chunk, seed: data.seed, seedLimit: owner.eval.seedStart, rewards: data.rewards, maxTokens: data.maxTokens };
}

function stage(v: unknown, i: number, hooks: ConfigCheckHooks, baseSampling: SamplingConfig, prior: readonly StageConfig[], configSeed: number): StageConfig {
  const field = `stages[${i}]`;
  const o = obj(v, field);
  const f = `${field}.`;
  const type = oneOf(o, 'type', f, STAGE_TYPES.includes(o.name as StageType) ? (o.name as StageType) : undefined, STAGE_TYPES);
  noUnknown(o, field, FIELDS_OF[type]);
  const name = str(o, 'name', f, type);
  if (!/^[A-Za-z0-9_-]+$/.test(name)) fail(`${f}name`, `expected letters, digits, _ or - (it names a folder), got ${show(name)}`);
  // A dpo stage on another stage's dataset (`data: { from }`) plays that stage's envs unless it names its own.
  const from = type === 'dpo' && o.data !== null && typeof o.data === 'object' && !Array.isArray(o.data) ? (o.data as Obj).from : undefined;
  const fromStage = typeof from === 'string' ? prior.find((s) => s.name === from) : undefined;
  let envs: StageEnvSpec[];
  if (o.envs === undefined && from !== undefined) {
    if (!fromStage || !('data' in fromStage)) fail(`${f}data.from`, `expected the name of an earlier fuse-sft or dpo stage, got ${show(from)}`);
    envs = fromStage.envs;
  } else {
    if (!Array.isArray(o.envs) || o.envs.length === 0) fail(`${f}envs`, `expected a non-empty array of envs, got ${show(o.envs)}`);
    envs = o.envs.map((e, j) => envSpec(e, `${f}envs[${j}]`, hooks));
  }
  const common = {
    name,
    envs,
    steps: int(o, 'steps', f, undefined, 0, 10_000_000),
    lr: numIn(o, 'lr', f, undefined, 0, 1, true),
    eval: evalConfig(o.eval, `${f}eval`, hooks),
    replays: replayConfig(o.replays, `${f}replays`),
  };
  // Seeds that would break after minutes of work: eval seeds past 2^53, and prime trace
  // seeds drawn below seedStart - PRIME_TRACE_SEED_MARGIN.
  const { seedStart, episodes } = common.eval;
  if (seedStart > Number.MAX_SAFE_INTEGER - Math.max(0, episodes - 1)) {
    fail(`${f}eval.seedStart`, `seedStart + episodes - 1 = ${seedStart} + ${episodes} - 1 is past the largest exact seed (2^53 - 1 = ${Number.MAX_SAFE_INTEGER})`);
  }
  if (type === 'prime' && seedStart <= PRIME_TRACE_SEED_MARGIN) {
    fail(`${f}eval.seedStart`, `a prime stage draws its trace seeds below seedStart - ${PRIME_TRACE_SEED_MARGIN}, so seedStart must be above ${PRIME_TRACE_SEED_MARGIN}; got ${seedStart}`);
  }
  if (type === 'fuse-sft' || type === 'dpo') {
    if (o.data === undefined) fail(`${f}data`, type === 'dpo' ? 'expected the dataset: {sources, prompts, ...} or {from: "<earlier fuse-sft stage>"}' : 'expected the dataset: {sources, prompts, ...}');
    const data = fuseData(o.data, `${f}data`, { prior, configSeed, baseSampling, hooks }, type === 'dpo');
    if ('from' in data) {
      const limit = datasetStage([...prior, { ...common, type: 'dpo', data } as DpoStageConfig], prior.length).eval.seedStart;
      if (limit > seedStart) fail(`${f}eval.seedStart`, `the dataset's prompts use level seeds below ${limit}; evaluating from ${seedStart} would test on training prompts`);
    }
    const warmup = o.warmup === undefined || o.warmup === null ? null : int(o, 'warmup', f, undefined, 0, 10_000_000);
    if (type === 'fuse-sft') {
      if ('from' in data) fail(`${f}data.from`, 'only a dpo stage reuses another stage\'s dataset');
      return {
        ...common, type, data, batch: int(o, 'batch', f, 16, 1, 100000), warmup,
        minReward: o.minReward === undefined || o.minReward === null ? null : numIn(o, 'minReward', f, undefined, -Infinity, Infinity),
      };
    }
    const minGap = numIn(o, 'minGap', f, 0.01, 0, Infinity);
    const maxGap = o.maxGap === undefined || o.maxGap === null ? null : numIn(o, 'maxGap', f, undefined, 0, Infinity);
    if (maxGap !== null && maxGap < minGap) fail(`${f}maxGap`, `expected at least minGap (${minGap}), got ${maxGap}`);
    return {
      ...common, type, data, batch: int(o, 'batch', f, 8, 1, 100000), warmup,
      beta: numIn(o, 'beta', f, 0.1, 0, 1e6, true),
      loss: oneOf(o, 'loss', f, 'dpo', DPO_LOSSES),
      minGap, maxGap,
      maxGradNorm: numIn(o, 'maxGradNorm', f, 1, 0, Infinity),
    };
  }
  if (type === 'prime') {
    let dagger: DaggerConfig | null = null;
    if (o.dagger !== undefined && o.dagger !== null) {
      const d = obj(o.dagger, `${f}dagger`);
      noUnknown(d, `${f}dagger`, ['rounds', 'episodes', 'steps', 'temperature']);
      const g = `${f}dagger.`;
      dagger = { rounds: int(d, 'rounds', g, 1, 1, 1000), episodes: int(d, 'episodes', g, 64, 1, 1_000_000), steps: int(d, 'steps', g, undefined, 1, 10_000_000), temperature: numIn(d, 'temperature', g, 0.5, 0, 5) };
      if (!envs.some((e) => e.style === 'step')) fail(`${f}dagger`, 'DAgger plays step-style envs; this stage has none');
    }
    return {
      ...common, type, traces: int(o, 'traces', f, 200, 1, 10_000_000), batch: int(o, 'batch', f, 16, 1, 100000),
      warmup: o.warmup === undefined || o.warmup === null ? null : int(o, 'warmup', f, undefined, 0, 10_000_000),
      dagger,
    };
  }
  for (const [j, e] of envs.entries()) {
    if (type === 'fre' && e.mode !== 'text') fail(`${f}envs[${j}].mode`, `an fre stage trains on text observations; got ${show(e.mode)} (use an mgt stage for images)`);
  }
  const groupSize = int(o, 'groupSize', f, 8, 1, 4096);
  const alg = algorithm(o.algorithm, `${f}algorithm`);
  if (alg.estimator === 'rloo' && groupSize < 2) fail(`${f}groupSize`, 'rloo needs groupSize >= 2');
  const batch = int(o, 'batch', f, 4, 1, 100000);
  if (batch * groupSize > TRAIN_LIMITS.responsesPerUpdate) {
    fail(`${f}batch`, limitMessage(`batch x groupSize (${batch} x ${groupSize} responses per update)`, batch * groupSize, TRAIN_LIMITS.responsesPerUpdate));
  }
  // Step mode answers once per turn, so an update holds up to batch x groupSize x maxTurns
  // responses (LanguageEnv's default maxTurns is 100); plan mode one per episode.
  const turnsPerEpisode = maxOf(envs.map((e) => (e.style === 'step' ? e.maxTurns ?? 100 : 1)));
  const mostResponses = batch * groupSize * turnsPerEpisode;
  if (alg.miniBatch > 0 && alg.miniBatch > mostResponses) fail(`${f}algorithm.miniBatch`, `miniBatch (${alg.miniBatch}) exceeds the ${mostResponses} responses an update can have (batch x groupSize${turnsPerEpisode > 1 ? ` x ${turnsPerEpisode} turns` : ''})`);
  const rewards = rewardWeights(o.rewards, `${f}rewards`);
  return { ...common, type, algorithm: alg, groupSize, batch, rewards, sampling: sampling(o.sampling, `${f}sampling`, baseSampling) };
}

/** Validate a parsed config object and fill in defaults. Throws TrainingConfigError naming the bad field. */
export function validateTrainConfig(raw: unknown, hooks: ConfigCheckHooks = {}): TrainConfig {
  const o = obj(raw, 'config');
  noUnknown(o, '', ['$schema', 'name', 'description', 'seed', 'output', 'model', 'checkpointEvery', 'sampling', 'stages']);
  const name = str(o, 'name', '', 'run');
  const m = obj(o.model === undefined ? {} : o.model, 'model');
  noUnknown(m, 'model', ['preset', 'overrides', 'init']);
  const preset = str(m, 'preset', 'model.', 'small');
  if (hooks.checkModelPreset) {
    try { hooks.checkModelPreset(preset); } catch (e) { fail('model.preset', (e as Error).message); }
  }
  const overrides: Record<string, number> = {};
  if (m.overrides !== undefined) {
    for (const [k, v] of Object.entries(obj(m.overrides, 'model.overrides'))) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`model.overrides.${k}`, `expected a number, got ${show(v)}`);
      overrides[k] = v;
    }
  }
  if (hooks.checkModel) {
    try {
      hooks.checkModel(preset, overrides);
    } catch (e) {
      const field = (e as { field?: unknown }).field;
      fail(typeof field === 'string' && field in overrides ? `model.overrides.${field}` : 'model.overrides', (e as Error).message);
    }
  }
  if (m.init !== undefined && m.init !== null && (typeof m.init !== 'string' || !m.init)) fail('model.init', `expected a checkpoint directory path or null, got ${show(m.init)}`);
  const baseSampling = sampling(o.sampling, 'sampling', DEFAULT_SAMPLING);
  if (!Array.isArray(o.stages) || o.stages.length === 0) fail('stages', `expected a non-empty array of stages, got ${show(o.stages)}`);
  const seed = int(o, 'seed', '', 0, 0);
  const stages: StageConfig[] = [];
  o.stages.forEach((s, i) => { stages.push(stage(s, i, hooks, baseSampling, stages, seed)); });
  const seen = new Set<string>();
  stages.forEach((s, i) => {
    if (seen.has(s.name)) fail(`stages[${i}].name`, `duplicate stage name ${show(s.name)} (each stage writes its own folder)`);
    seen.add(s.name);
  });
  return {
    name,
    seed,
    output: str(o, 'output', '', `runs/${name}`),
    model: { preset, overrides, init: (m.init as string | undefined) ?? null },
    checkpointEvery: int(o, 'checkpointEvery', '', 25, 1),
    sampling: baseSampling,
    stages,
  };
}

/** Read and validate a config file (relative paths in it are relative to the current directory). */
export function loadTrainConfig(path: string, hooks: ConfigCheckHooks = {}): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TrainingConfigError('config', `cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TrainingConfigError('config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  return validateTrainConfig(raw, hooks);
}
