import { make } from '../envs/core/registry.js';
import type { Env } from '../envs/core/env.js';
import { SokobanEnv } from '../envs/sokoban/sokoban.js';
import type { ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import type { Frame } from '../envs/render/frame.js';
import { LanguageEnv, type LanguageEnvOptions } from '../tasks/language-env.js';
import { OracleAgent, type OracleStyle } from './oracles/oracle.js';
import { agentRng } from './runner.js';
import type { InteractionMode } from '../tasks/types.js';

/** One supervised example: what the agent saw and what the oracle answered. */
export interface SftTrace {
  envId: string;
  mode: ObservationMode;
  interaction: InteractionMode;
  seed: number;
  turn: number;
  systemPrompt: string;
  userPrompt: string;
  /** The frame shown (image modes only). */
  image?: Frame;
  /** `<think>...</think><answer>...</answer>` written by the oracle. */
  response: string;
  /** Whether the episode this turn belongs to was won. */
  episodeSuccess: boolean;
}

export interface SftTraceSource {
  envId: string;
  envOptions?: Record<string, unknown>;
  episodes: number;
  mode?: ObservationMode;
  interaction?: InteractionMode;
  /** LanguageEnv settings (maxActions, historyLength, maxTurns ...). */
  language?: Omit<LanguageEnvOptions, 'mode' | 'interaction'>;
  /** The oracle's reasoning style (default 'verbose'). */
  reasoning?: OracleStyle;
}

export interface SftTraceOptions {
  /** First seed; source k, episode i uses seed + k * 1_000_000 + i (disjoint streams). */
  seed?: number;
  /** Keep only the turns of won episodes (default true). */
  onlySuccessful?: boolean;
  /** Most turns kept per episode (default: all). */
  maxTurnsPerEpisode?: number;
}

/**
 * Oracle-written SFT traces (observation/prompt -> response with a short reasoning) for
 * priming a model before RL: runs the oracle on each source's episodes through a
 * LanguageEnv, so prompts are exactly what the RL stage will show. Deterministic by seed.
 */
export function generateSftTraces(sources: readonly SftTraceSource[], options: SftTraceOptions = {}): SftTrace[] {
  const out: SftTrace[] = [];
  const base = options.seed ?? 0;
  sources.forEach((src, k) => {
    const mode = src.mode ?? 'text';
    const interaction = src.interaction ?? 'step';
    const oracle = new OracleAgent(src.reasoning ?? 'verbose');
    const env = new LanguageEnv(make(src.envId, src.envOptions ?? {}), { ...(src.language ?? {}), mode, interaction, envId: src.envId });
    for (let i = 0; i < src.episodes; i++) {
      const seed = base + k * 1_000_000 + i;
      let obs = env.reset({ seed }).observation;
      const rng = agentRng(seed);
      const turns: SftTrace[] = [];
      let success = false, heldOut = visitsHeldOut(env.env);
      for (;;) {
        const resp = oracle.actSync(obs, { env: env.env, envObservation: env.envObservation, rng, episode: i });
        const t: SftTrace = { envId: src.envId, mode, interaction, seed, turn: obs.turn, systemPrompt: obs.systemPrompt, userPrompt: obs.userPrompt, response: resp.text, episodeSuccess: false };
        if (obs.image) t.image = obs.image;
        turns.push(t);
        const r = env.step(resp.text);
        obs = r.observation;
        heldOut ||= visitsHeldOut(env.env);
        if (r.terminated || r.truncated) { success = r.info.success; break; }
      }
      if (heldOut) continue;
      if (options.onlySuccessful !== false && !success) continue;
      for (const t of turns.slice(0, options.maxTurnsPerEpisode ?? turns.length)) out.push({ ...t, episodeSuccess: success });
    }
    env.close();
  });
  return out;
}

/**
 * The default priming mix: Sokoban 6x6/1 box (step and plan), Football academy drills
 * (step) and Countdown. `episodes` per source; `mode` 'text' or an image mode.
 */
export function defaultSftSources(episodes = 100, mode: ObservationMode = 'text'): SftTraceSource[] {
  const drills = ['academy_empty_goal_close', 'academy_empty_goal', 'academy_run_to_score', 'academy_run_to_score_with_keeper'];
  return [
    { envId: 'Sokoban-v0', envOptions: { width: 6, height: 6, boxes: 1 }, episodes, mode, interaction: 'step' },
    { envId: 'Sokoban-v0', envOptions: { width: 6, height: 6, boxes: 1 }, episodes, mode, interaction: 'plan' },
    ...drills.map((scenario): SftTraceSource => ({ envId: 'Football-v0', envOptions: { scenario }, episodes: Math.max(1, Math.ceil(episodes / drills.length)), mode, interaction: 'step' })),
    { envId: 'Countdown-v0', episodes, mode: 'text', interaction: 'step' },
  ];
}

/**
 * True when the env stands on a held-out position (Sokoban's `heldOut` test set): episodes
 * that pass through one are dropped, so no trace shows the model a test level.
 */
export function visitsHeldOut(env: Env): boolean {
  const inner = env.unwrapped;
  return inner instanceof SokobanEnv && inner.inHeldOutSet();
}
