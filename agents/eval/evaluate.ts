import { make } from '../../envs/core/registry.js';
import type { ObservationMode } from '../../envs/core/wrappers/observation-mode.js';
import { LanguageEnv, type LanguageEnvOptions } from '../../tasks/language-env.js';
import { runEpisodes, type EpisodeResult, type TurnRecord } from '../runner.js';
import type { InteractionMode } from '../../tasks/types.js';
import type { Agent } from '../types.js';
import { scorersFor } from './scores.js';
import { mean, std, wilsonInterval } from './stats.js';

export interface EvaluateOptions {
  envId: string;
  envOptions?: Record<string, unknown>;
  agent: Agent;
  /** The agent spec string, for the report (default agent.name). */
  agentSpec?: string;
  episodes: number;
  /** Episode i uses seed + i. */
  seed?: number;
  /** Extra reset options of episode i, e.g. `{ level }` from a fixed test set (see `testSetResetOptions`). */
  resetOptions?: readonly (Record<string, unknown> | undefined)[];
  mode?: ObservationMode;
  interaction?: InteractionMode;
  /** LanguageEnv settings (maxActions, historyLength, maxTurns, invalidAnswer, rewardWeights ...). */
  language?: Omit<LanguageEnvOptions, 'mode' | 'interaction'>;
  /** Episodes run at once (default: min(episodes, agent.concurrency ?? 1, 64)). */
  parallel?: number;
  onError?: 'abort' | 'record';
  /** Keep each turn's response text in the report (default true). */
  keepResponses?: boolean;
  /** Called after each episode, with its scores and its report record (progress bars, replay writers, JSONL logs). */
  onEpisode?: (result: EpisodeResult, scores: Record<string, number>, env: LanguageEnv, report: EpisodeReport) => void | Promise<void>;
  /** Aborting stops the evaluation: the report then covers the episodes that finished (`partial: true`). */
  signal?: AbortSignal;
}

/** One episode in the report. */
export interface EpisodeReport {
  episode: number;
  seed: number;
  success: boolean;
  totalReward: number;
  envReturn: number;
  steps: number;
  turns: number;
  formatValidRate: number;
  parseRate: number;
  bestEnvReturn: number | null;
  scores: Record<string, number>;
  error?: string;
  /** Per turn: response, executed action names, reward and why parsing failed. */
  trace?: { response: string; executed: string[]; reward: number; parseError: string | null }[];
}

export interface ScoreSummary {
  mean: number;
  std: number;
  n: number;
}

/** The JSON report of `lmm-gym eval`. */
export interface EvalReport {
  version: 1;
  envId: string;
  envOptions: Record<string, unknown>;
  agent: string;
  mode: ObservationMode;
  interaction: InteractionMode;
  seed: number;
  episodes: number;
  successes: number;
  successRate: number;
  /** Wilson 95% interval of the success rate. */
  successInterval95: [number, number];
  /** Share of turns whose response followed the <think><answer> format (LanguageEnv formatRule, default 'server'). */
  formatValidRate: number;
  /** Share of turns whose answer parsed into actions. */
  parseRate: number;
  /** Mean of the rule-based episode reward (accuracy + 0.5 * format per turn by default). */
  meanReturn: number;
  meanEnvReturn: number;
  meanSteps: number;
  meanTurns: number;
  /** Benchmark-style scores (e.g. magebench-sokoban-global), mean over scored episodes. */
  scores: Record<string, ScoreSummary>;
  errors: number;
  durationMs: number;
  /** True when the evaluation was interrupted (signal): `episodes` and every figure cover the episodes that finished. */
  partial?: boolean;
  perEpisode: EpisodeReport[];
}

function traceOf(turns: readonly TurnRecord[]): EpisodeReport['trace'] {
  return turns.map((t) => ({ response: t.response, executed: t.executedNames, reward: t.reward, parseError: t.parse.ok ? null : t.parse.message }));
}

/**
 * Evaluate an agent on a registered env: `episodes` episodes with seeds seed..seed+n-1,
 * run in lockstep batches (see runEpisodes), summarised with a Wilson 95% interval,
 * format/parse rates, means and the env's registered benchmark scores.
 */
export async function evaluateAgent(o: EvaluateOptions): Promise<EvalReport> {
  if (!Number.isSafeInteger(o.episodes) || o.episodes < 1) throw new RangeError(`episodes must be a positive integer, got ${o.episodes}`);
  const started = performance.now();
  const seed = o.seed ?? 0;
  const mode = o.mode ?? 'text';
  const interaction = o.interaction ?? 'step';
  const parallel = Math.max(1, Math.min(o.episodes, o.parallel ?? Math.min(o.agent.concurrency ?? 1, 64)));
  const envs = Array.from({ length: parallel }, () => new LanguageEnv(make(o.envId, o.envOptions ?? {}), { ...(o.language ?? {}), mode, interaction, envId: o.envId }));
  const envOptions = envs[0]!.env.spec?.options ?? o.envOptions ?? {};
  const scorers = scorersFor(o.envId, interaction);
  let perEpisode: EpisodeReport[] = new Array(o.episodes);
  let partial = false;
  try {
    await runEpisodes(o.agent, envs, {
      seeds: Array.from({ length: o.episodes }, (_, i) => seed + i),
      onError: o.onError ?? 'abort',
      ...(o.resetOptions ? { resetOptions: o.resetOptions } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onEpisode: async (r, env) => {
        const scores: Record<string, number> = {};
        if (!r.error) {
          for (const s of scorers) {
            const v = s.score(r, env);
            if (v !== null && Number.isFinite(v)) scores[s.name] = v;
          }
        }
        const turns = r.turns.length;
        const rep: EpisodeReport = {
          episode: r.episode, seed: r.seed, success: r.success, totalReward: r.totalReward, envReturn: r.envReturn,
          steps: r.steps, turns, formatValidRate: turns ? r.formatValidTurns / turns : 0, parseRate: turns ? r.parsedTurns / turns : 0,
          bestEnvReturn: r.bestEnvReturn, scores,
        };
        if (r.error) rep.error = r.error;
        if (o.keepResponses !== false) rep.trace = traceOf(r.turns);
        perEpisode[r.episode] = rep;
        await o.onEpisode?.(r, scores, env, rep);
      },
    });
  } catch (e) {
    if (!o.signal?.aborted) throw e;
    partial = true;
  } finally {
    for (const e of envs) e.close();
  }
  if (partial) perEpisode = perEpisode.filter((e) => e !== undefined);
  const episodes = perEpisode.length;
  const successes = perEpisode.filter((e) => e.success).length;
  const allTurns = perEpisode.reduce((a, e) => a + e.turns, 0);
  const scoreNames = [...new Set(perEpisode.flatMap((e) => Object.keys(e.scores)))];
  const scores: Record<string, ScoreSummary> = {};
  for (const name of scoreNames) {
    const v = perEpisode.map((e) => e.scores[name]).filter((x): x is number => x !== undefined);
    scores[name] = { mean: mean(v), std: std(v), n: v.length };
  }
  return {
    version: 1,
    envId: o.envId,
    envOptions,
    agent: o.agentSpec ?? o.agent.name,
    mode, interaction, seed,
    episodes,
    successes,
    successRate: episodes ? successes / episodes : 0,
    successInterval95: wilsonInterval(successes, episodes),
    formatValidRate: allTurns ? perEpisode.reduce((a, e) => a + e.formatValidRate * e.turns, 0) / allTurns : 0,
    parseRate: allTurns ? perEpisode.reduce((a, e) => a + e.parseRate * e.turns, 0) / allTurns : 0,
    meanReturn: mean(perEpisode.map((e) => e.totalReward)),
    meanEnvReturn: mean(perEpisode.map((e) => e.envReturn)),
    meanSteps: mean(perEpisode.map((e) => e.steps)),
    meanTurns: mean(perEpisode.map((e) => e.turns)),
    scores,
    errors: perEpisode.filter((e) => e.error).length,
    durationMs: Math.round(performance.now() - started),
    ...(partial ? { partial } : {}),
    perEpisode,
  };
}
