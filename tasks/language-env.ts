import { deepEqual } from '../envs/core/checker.js';
import type { Env, Info, ResetOptions } from '../envs/core/env.js';
import { InvalidOptionError, ResetNeededError } from '../envs/core/errors.js';
import { Discrete, Text } from '../envs/core/spaces.js';
import { parseObservationMode, modeHasImage, modeHasText, type ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import { assertRendersFrames } from '../envs/core/wrappers/render-mode.js';
import { composeReward, DEFAULT_REWARD_WEIGHTS, validateRewardWeights, type RewardWeights } from './rewards/compose.js';
import { reasoningCheckOf, type ReasoningCheck } from './rewards/reasoning.js';
import { DEFAULT_FORMAT_RULE, FORMAT_RULES, type FormatRule } from './rewards/format.js';
import { NO_SYNONYMS, parseResponse } from './parse.js';
import { buildAgentObservation, getPromptSpec, type PromptSpec, type PromptTemplates } from './prompts.js';
import type { AgentObservation, HistoryEntry, InteractionMode, ParseResult } from './types.js';

/** What to do with an answer that does not parse. */
export type InvalidAnswerPolicy = 'noop' | 'end';

export interface LanguageEnvOptions {
  /** How the state is shown (default 'text'). */
  mode?: ObservationMode;
  /** 'step' (multi-turn, default) or 'plan' (one answer = whole plan, replayed). */
  interaction?: InteractionMode;
  /** Step mode: most actions per answer (K, default 1). Plan mode: the plan limit (default 50, as LMM-R1). */
  maxActions?: number;
  /** Step mode: past actions shown in the prompt (N, default 5, as MageBench Football). */
  historyLength?: number;
  /** Step mode: most turns per episode, malformed answers included (default 100). */
  maxTurns?: number;
  /**
   * Malformed answer (parse failed): 'noop' (default) leaves the env untouched and the turn
   * counts; 'end' ends the episode (truncated). Either way the format reward is 0 and
   * `invalidPenalty` is added.
   */
  invalidAnswer?: InvalidAnswerPolicy;
  /** Added to the turn's reward when the answer does not parse (default 0; RAGEN uses -0.1). */
  invalidPenalty?: number;
  /**
   * Step mode: how the format reward is paid. 'episode' (default): on the final turn, the
   * share of the episode's turns that followed the format (0 on other turns), so an
   * episode's rule reward is accuracy + 0.5 * format-rate, in [0, 1.5] as in LMM-R1, and
   * long episodes earn no extra format reward. 'turn': every turn earns its own 0/1.
   * Single-turn episodes (plan mode, text tasks) are the same either way.
   */
  formatCredit?: 'episode' | 'turn';
  /**
   * Which format rule earns the format reward (tasks/rewards/format.ts): 'server' (default)
   * strips outer whitespace first as LMM-R1's reward server does, so `...</answer>\n`
   * counts; 'strict' checks the bare text.
   */
  formatRule?: FormatRule;
  /** Weights over the components accuracy, format, env, penalty (default accuracy 1, format 0.5, env 0, penalty 1). */
  rewardWeights?: Partial<RewardWeights>;
  /** Overrides the env's registered prompt spec / templates. */
  spec?: PromptSpec;
  templates?: PromptTemplates;
  /** Env id used for prompts and reports (default env.spec.id). */
  envId?: string;
}

/** Per-turn info returned by LanguageEnv.step. */
export interface LanguageStepInfo {
  turn: number;
  parse: ParseResult;
  /**
   * Reward components of this turn and their weighted total (= the returned reward):
   * accuracy, format (as credited, see formatCredit), formatOk (this turn's 0/1, weight 0),
   * env, penalty, total.
   */
  rewards: Record<string, number>;
  /** Actions executed in the env this turn (indices; for free-text tasks the answer string). */
  executed: (number | string)[];
  /** True when the answer parsed. */
  valid: boolean;
  /** True when the executed actions changed the env's observation (a move into a wall does not). */
  effective: boolean;
  /** The env reports success (info.success) at the end of this turn. */
  success: boolean;
  /** Env reward accumulated this turn. */
  envReward: number;
  /** Plan mode: best cumulative env reward reached during the replay (MageBench's task term). */
  bestEnvReturn?: number;
  /** The env's info of the last executed step (or of reset when nothing ran). */
  envInfo: Info;
  /** Every env step executed this turn, in order (what a replay records). */
  envSteps: EnvStepRecord[];
}

/** One env step run by a LanguageEnv turn. */
export interface EnvStepRecord {
  action: number | string;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface LanguageStepResult {
  observation: AgentObservation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: LanguageStepInfo;
}

function positiveInt(name: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new InvalidOptionError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Turns any env into a language-agent env: observations are AgentObservations (prompts,
 * text and/or image, action vocabulary, history) and the action is the agent's response
 * TEXT. The response is parsed here, its actions run in the wrapped env, and the reward is
 * the rule-based composition (accuracy + 0.5 * format by default; env shaping optional).
 *
 * Step mode: each step() is one turn (1..K actions). Plan mode: the first step() replays
 * the whole plan (first `maxActions` actions) and ends the episode. Free-text tasks (no
 * action names, e.g. Countdown-v0) pass the answer string to the env as its action; a
 * malformed answer is passed as '' so single-step tasks still end.
 *
 * Not an `Env` (its action is free text, its observation a prompt), but it keeps the
 * Gymnasium shape: reset() -> { observation, info }, step(text) -> five fields.
 */
export class LanguageEnv {
  readonly mode: ObservationMode;
  readonly interaction: InteractionMode;
  readonly maxActions: number;
  readonly historyLength: number;
  readonly maxTurns: number;
  readonly invalidAnswer: InvalidAnswerPolicy;
  readonly invalidPenalty: number;
  readonly formatCredit: 'episode' | 'turn';
  readonly formatRule: FormatRule;
  readonly weights: RewardWeights;
  /** The env's reasoning check (tasks/rewards/reasoning.ts), when the weights give `reasoning` a weight. */
  private readonly reasoningCheck: ReasoningCheck | null;
  readonly envId: string;
  readonly actionNames: readonly string[];
  readonly spec: PromptSpec;
  private readonly templates?: PromptTemplates;
  private history: HistoryEntry[] = [];
  private turn = 0;
  private done = true;
  private started = false;
  private lastInfo: Info = {};
  private envReturn = 0;
  private rawObservation: unknown = undefined;
  private formattedTurns = 0;
  /** Added to a parsed action index to get the env's action (a Discrete space's `start`). */
  private actionOffset = 0;

  constructor(readonly env: Env, options: LanguageEnvOptions = {}) {
    assertRendersFrames(env, 'LanguageEnv');
    this.mode = parseObservationMode(options.mode ?? 'text');
    const interaction = options.interaction ?? 'step';
    if (interaction !== 'step' && interaction !== 'plan') throw new InvalidOptionError(`interaction must be 'step' or 'plan', got ${JSON.stringify(interaction)}`);
    this.interaction = interaction;
    this.maxActions = positiveInt('maxActions', options.maxActions ?? (interaction === 'plan' ? 50 : 1));
    this.historyLength = positiveInt('historyLength', options.historyLength ?? 5, true);
    this.maxTurns = positiveInt('maxTurns', options.maxTurns ?? 100);
    const policy = options.invalidAnswer ?? 'noop';
    if (policy !== 'noop' && policy !== 'end') throw new InvalidOptionError(`invalidAnswer must be 'noop' or 'end', got ${JSON.stringify(policy)}`);
    this.invalidAnswer = policy;
    const penalty = options.invalidPenalty ?? 0;
    if (typeof penalty !== 'number' || !Number.isFinite(penalty)) throw new InvalidOptionError(`invalidPenalty must be a finite number, got ${JSON.stringify(penalty)}`);
    this.invalidPenalty = penalty;
    const credit = options.formatCredit ?? 'episode';
    if (credit !== 'episode' && credit !== 'turn') throw new InvalidOptionError(`formatCredit must be 'episode' or 'turn', got ${JSON.stringify(credit)}`);
    this.formatCredit = credit;
    const rule = options.formatRule ?? DEFAULT_FORMAT_RULE;
    if (!FORMAT_RULES.includes(rule)) throw new InvalidOptionError(`formatRule must be one of ${FORMAT_RULES.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(rule)}`);
    this.formatRule = rule;
    this.weights = { ...DEFAULT_REWARD_WEIGHTS, penalty: 1, ...validateRewardWeights(options.rewardWeights ?? {}) };
    this.envId = options.envId ?? env.spec?.id ?? 'env';
    // Named discrete actions; a Discrete space without names gets its numbers as names;
    // a Text action space is a free-text task. Anything else cannot take a text answer.
    const space = env.actionSpace;
    if (env.actionNames && env.actionNames.length > 0) this.actionNames = env.actionNames;
    else if (space instanceof Discrete) {
      this.actionNames = Array.from({ length: space.n }, (_, i) => String(space.start + i));
      this.actionOffset = space.start;
    } else if (space instanceof Text) this.actionNames = [];
    else throw new InvalidOptionError(`LanguageEnv needs an env with a Discrete (named or not) or Text action space; ${this.envIdOf(env)} has ${JSON.stringify(space.toJSON()).slice(0, 80)}`);
    this.spec = options.spec ?? getPromptSpec(this.envId, this.actionNames);
    // Only when weighted: a check may cost a solver call per turn.
    this.reasoningCheck = this.weights.reasoning ? reasoningCheckOf(this.envId) : null;
    this.templates = options.templates;
  }

  /** The name of an env action (as executed), e.g. 2 -> 'right'; free-text answers are returned as they are. */
  actionName(action: number | string): string {
    return typeof action === 'number' ? this.actionNames[action - this.actionOffset] ?? String(action) : action;
  }

  private envIdOf(env: Env): string {
    return env.spec?.id ?? env.constructor.name;
  }

  /** Turns taken in the current episode. */
  get turns(): number {
    return this.turn;
  }

  /** The wrapped env's latest raw observation (for privileged oracles; see AgentContext.envObservation). */
  get envObservation(): unknown {
    return this.rawObservation;
  }

  /** True between reset() and the end of the episode. */
  get running(): boolean {
    return this.started && !this.done;
  }

  /** Cumulative env reward of the current episode. */
  get episodeEnvReturn(): number {
    return this.envReturn;
  }

  reset(options: ResetOptions = {}): { observation: AgentObservation; info: Info } {
    const r = this.env.reset(options);
    this.history = [];
    this.turn = 0;
    this.done = false;
    this.started = true;
    this.lastInfo = r.info;
    this.envReturn = 0;
    this.rawObservation = r.observation;
    this.formattedTurns = 0;
    return { observation: this.observe(), info: r.info };
  }

  /** The current observation (prompts built from the env's current state). */
  observe(): AgentObservation {
    const input: Parameters<typeof buildAgentObservation>[0] = {
      envId: this.envId,
      mode: this.mode,
      interaction: this.interaction,
      actionNames: this.actionNames,
      history: this.historyLength === 0 ? [] : this.history.slice(-this.historyLength),
      turn: this.turn,
      maxActions: this.maxActions,
      spec: this.spec,
    };
    if (this.templates) input.templates = this.templates;
    if (modeHasText(this.mode)) input.text = this.env.describe();
    if (modeHasImage(this.mode)) {
      const f = this.env.render();
      input.image = { width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) };
    }
    return buildAgentObservation(input);
  }

  /** Parse a response the way step() will (same vocabulary and limits). */
  parse(text: string): ParseResult {
    return parseResponse(text, this.actionNames, this.spec.synonyms ?? NO_SYNONYMS, {
      maxActions: this.maxActions,
      overflow: this.interaction === 'plan' ? 'truncate' : 'fail',
      formatRule: this.formatRule,
    });
  }

  /** One turn: parse `text`, run its actions, compose the reward. */
  step(text: string): LanguageStepResult {
    if (!this.started) throw new ResetNeededError('LanguageEnv.step() called before reset(); call reset() first');
    if (this.done) throw new ResetNeededError('LanguageEnv.step() called after the episode ended; call reset() first');
    const parse = this.parse(typeof text === 'string' ? text : '');
    // Checked before the move, against the state the reasoning was about.
    const reasoning = this.reasoningCheck && parse.formatOk ? this.reasoningCheck(this.env, parse.think ?? '', parse.answer) : 0;
    const freeText = this.actionNames.length === 0;
    const executed: (number | string)[] = [];
    const envSteps: EnvStepRecord[] = [];
    let envReward = 0, best = 0, cumulative = 0;
    let terminated = false, truncated = false;
    // A copy: envs may reuse their observation buffers in place.
    const before = freeText ? null : typeof this.rawObservation === 'object' && this.rawObservation !== null ? structuredClone(this.rawObservation) : this.rawObservation;
    const run = (action: number | string) => {
      const r = this.env.step(action);
      executed.push(action);
      envSteps.push({ action, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info });
      envReward += r.reward;
      cumulative += r.reward;
      if (cumulative > best) best = cumulative;
      this.lastInfo = r.info;
      this.rawObservation = r.observation;
      if (typeof action === 'number') this.history.push({ turn: this.turn, action: this.actionNames[action - this.actionOffset] ?? String(action), reward: r.reward });
      else this.history.push({ turn: this.turn, action: action.length > 80 ? action.slice(0, 80) + '…' : action, reward: r.reward });
      terminated = r.terminated;
      truncated = r.truncated;
    };
    if (freeText) {
      // Single-step text tasks: a malformed answer still ends the task (as a wrong answer).
      // An answer outside the env's action space (e.g. too long) counts as no answer.
      const answer = parse.ok ? parse.answer! : '';
      run(this.env.actionSpace.contains(answer) ? answer : '');
    } else if (parse.ok) {
      for (const a of parse.actions!) {
        run(a + this.actionOffset);
        if (terminated || truncated) break;
      }
    }
    if (this.history.length > Math.max(this.historyLength, 1) * 4) this.history.splice(0, this.history.length - this.historyLength);
    this.turn++;
    this.envReturn += envReward;
    const success = this.lastInfo.success === true;
    if (!terminated && !truncated) {
      if (this.interaction === 'plan') truncated = true;
      else if (!parse.ok && this.invalidAnswer === 'end') truncated = true;
      else if (this.turn >= this.maxTurns) truncated = true;
    }
    this.done = terminated || truncated;
    if (parse.formatOk) this.formattedTurns++;
    const format = this.formatCredit === 'turn' ? (parse.formatOk ? 1 : 0) : this.done ? this.formattedTurns / this.turn : 0;
    const components: Record<string, number> = {
      accuracy: success && this.done ? 1 : 0,
      format,
      formatOk: parse.formatOk ? 1 : 0,
      env: envReward,
      penalty: parse.ok ? 0 : this.invalidPenalty,
    };
    if (this.reasoningCheck) components.reasoning = reasoning;
    const composed = composeReward(components, this.weights);
    const info: LanguageStepInfo = {
      turn: this.turn - 1,
      parse,
      rewards: { ...composed.components, total: composed.total },
      executed,
      valid: parse.ok,
      effective: freeText ? executed.length > 0 : executed.length > 0 && !deepEqual(before, this.rawObservation),
      success,
      envReward,
      envInfo: this.lastInfo,
      envSteps,
    };
    if (this.interaction === 'plan') info.bestEnvReturn = best;
    return { observation: this.observe(), reward: composed.total, terminated, truncated, info };
  }

  close(): void {
    this.env.close();
  }
}
