import { Rng } from '../envs/core/rng.js';
import type { Info } from '../envs/core/env.js';
import { agentActBatch } from './agent.js';
import { AgentError } from './errors.js';
import type { EnvStepRecord, LanguageEnv, LanguageStepInfo } from '../tasks/language-env.js';
import type { ParseResult } from '../tasks/types.js';
import type { Agent, AgentContext, AgentResponse } from './types.js';

/** One turn of an episode, as kept for reports, replays and training. No image (size). */
export interface TurnRecord {
  turn: number;
  systemPrompt: string;
  userPrompt: string;
  response: string;
  parse: ParseResult;
  /** Actions executed in the env (indices, or the answer string for free-text tasks). */
  executed: (number | string)[];
  /** Names of the executed actions (free-text tasks: the answer). */
  executedNames: string[];
  reward: number;
  rewards: Record<string, number>;
  envReward: number;
  /** The env steps of this turn (action, reward, flags, info). */
  envSteps: EnvStepRecord[];
  terminated: boolean;
  truncated: boolean;
  meta?: Record<string, unknown>;
}

/** A finished episode. */
export interface EpisodeResult {
  envId: string;
  episode: number;
  seed: number;
  turns: TurnRecord[];
  success: boolean;
  /** Sum of the rule-based turn rewards (what RL optimises by default). */
  totalReward: number;
  /** Sum of the env's own rewards. */
  envReturn: number;
  /** Env steps executed. */
  steps: number;
  /** Turns whose response followed the format / parsed into actions. */
  formatValidTurns: number;
  parsedTurns: number;
  /** Plan mode: best cumulative env reward reached during the replay. */
  bestEnvReturn: number | null;
  terminated: boolean;
  truncated: boolean;
  /** The env's info of the last step. */
  finalInfo: Info;
  /** Set when the agent failed (e.g. server down) and onError was 'record'. */
  error?: string;
  /** The env-specific reset options of the episode, when it had any (replays re-simulate with them). */
  resetOptions?: Record<string, unknown>;
}

export interface RunEpisodesOptions {
  /** Seed of episode i (default: baseSeed + i). */
  seeds: readonly number[];
  /** Index of the first episode (for contexts and reports; default 0). */
  firstEpisode?: number;
  /** Env-specific reset options of episode i (`reset({ seed, options })`), e.g. `{ level }` to play a fixed test level. */
  resetOptions?: readonly (Record<string, unknown> | undefined)[];
  /** Agent errors: 'abort' (default: rethrow) or 'record' (the episode ends, failed, with `error`). */
  onError?: 'abort' | 'record';
  /** Called after each finished episode (progress bars, replay recorders). */
  onEpisode?: (result: EpisodeResult, env: LanguageEnv) => void | Promise<void>;
  /** Called after each turn of each episode, before the next observation is used. */
  onTurn?: (turn: TurnRecord, episode: number, env: LanguageEnv) => void;
  signal?: AbortSignal;
}

/**
 * The generator handed to the agent for an episode (ctx.rng): derived from the episode
 * seed but not equal to the env's stream (Rng(seed)), so a random agent's choices are not
 * correlated with the env's own draws (e.g. FrozenLake's slips).
 */
export function agentRng(seed: number): Rng {
  return new Rng((seed + 0x5bd1e995) % Number.MAX_SAFE_INTEGER);
}

interface Slot {
  env: LanguageEnv;
  episode: number;
  seed: number;
  rng: Rng;
  result: EpisodeResult;
}

/**
 * Run episodes of `agent` on a pool of LanguageEnvs in lockstep: each turn gathers the
 * observations of every running episode and answers them with one agentActBatch call (a
 * model batches them; a server agent runs them with its concurrency). When an episode
 * ends, its env starts the next seed. Results come back in seed order. Deterministic
 * for deterministic agents: episode i always uses seeds[i] and an Rng seeded from it.
 */
export async function runEpisodes(agent: Agent, envs: readonly LanguageEnv[], options: RunEpisodesOptions): Promise<EpisodeResult[]> {
  const { seeds } = options;
  const first = options.firstEpisode ?? 0;
  const results: EpisodeResult[] = new Array(seeds.length);
  let next = 0;
  const slots: (Slot | null)[] = envs.map(() => null);
  const start = (i: number): Slot | null => {
    if (next >= seeds.length) return null;
    const k = next++;
    const env = envs[i]!;
    const seed = seeds[k]!;
    agent.reset?.(first + k);
    const extra = options.resetOptions?.[k];
    env.reset(extra ? { seed, options: extra } : { seed });
    return {
      env, episode: first + k, seed, rng: agentRng(seed),
      result: {
        envId: env.envId, episode: first + k, seed, turns: [], success: false, totalReward: 0, envReturn: 0, steps: 0,
        formatValidTurns: 0, parsedTurns: 0, bestEnvReturn: null, terminated: false, truncated: false, finalInfo: {},
        ...(extra ? { resetOptions: extra } : {}),
      },
    };
  };
  for (let i = 0; i < envs.length; i++) slots[i] = start(i);
  const finish = async (i: number) => {
    const s = slots[i]!;
    results[s.episode - first] = s.result;
    await options.onEpisode?.(s.result, s.env);
    slots[i] = start(i);
  };

  let rounds = 0;
  while (slots.some((s) => s !== null)) {
    // A fast agent answers in microtasks only: yield to the event loop now and then so
    // signals (Ctrl-C) and timers are handled during a long evaluation.
    if (++rounds % 16 === 0) await new Promise((r) => setImmediate(r));
    if (options.signal?.aborted) throw new AgentError('evaluation aborted');
    const active = slots.map((s, i) => (s ? i : -1)).filter((i) => i >= 0);
    const observations = active.map((i) => slots[i]!.env.observe());
    const contexts: AgentContext[] = active.map((i) => {
      const s = slots[i]!;
      const ctx: AgentContext = { rng: s.rng, episode: s.episode, env: s.env.env, envObservation: s.env.envObservation };
      if (options.signal) ctx.signal = options.signal;
      return ctx;
    });
    let responses: AgentResponse[] | null = null;
    let failure: unknown = null;
    try {
      responses = await agentActBatch(agent, observations, contexts);
    } catch (e) {
      if (options.onError !== 'record') throw e;
      failure = e;
    }
    for (let j = 0; j < active.length; j++) {
      const i = active[j]!;
      const s = slots[i]!;
      if (!responses) {
        s.result.error = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
        s.result.truncated = true;
        await finish(i);
        continue;
      }
      const resp = responses[j]!;
      const obs = observations[j]!;
      const r = s.env.step(resp.text);
      const info: LanguageStepInfo = r.info;
      const names = info.executed.map((a) => s.env.actionName(a));
      const turn: TurnRecord = {
        turn: info.turn, systemPrompt: obs.systemPrompt, userPrompt: obs.userPrompt, response: resp.text, parse: info.parse,
        executed: info.executed, executedNames: names, reward: r.reward, rewards: info.rewards, envReward: info.envReward,
        envSteps: info.envSteps, terminated: r.terminated, truncated: r.truncated,
      };
      if (resp.meta) turn.meta = resp.meta;
      const res = s.result;
      res.turns.push(turn);
      res.totalReward += r.reward;
      res.envReturn += info.envReward;
      res.steps += info.executed.length;
      if (info.parse.formatOk) res.formatValidTurns++;
      if (info.parse.ok) res.parsedTurns++;
      if (info.bestEnvReturn !== undefined) res.bestEnvReturn = Math.max(res.bestEnvReturn ?? 0, info.bestEnvReturn);
      res.finalInfo = info.envInfo;
      options.onTurn?.(turn, s.episode, s.env);
      if (r.terminated || r.truncated) {
        res.success = info.success;
        res.terminated = r.terminated;
        res.truncated = r.truncated;
        await finish(i);
      }
    }
  }
  return results;
}

/** Run one episode (convenience over runEpisodes). */
export async function runEpisode(agent: Agent, env: LanguageEnv, seed: number, options: Omit<RunEpisodesOptions, 'seeds'> = {}): Promise<EpisodeResult> {
  const [r] = await runEpisodes(agent, [env], { ...options, seeds: [seed] });
  return r!;
}
