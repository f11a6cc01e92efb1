import { encodePngSync } from '../envs/render/png.js';
import type { Info } from '../envs/core/env.js';
import type { LanguageStepInfo } from '../tasks/language-env.js';
import type { AgentObservation } from '../tasks/types.js';

/** The placeholder for one image in prompt text (VAGEN's and LMM-R1's convention). */
export const IMAGE_PLACEHOLDER = '<image>';

/**
 * An observation as it travels: `prompt` is this turn's user message, with one `<image>`
 * placeholder (at its start) per entry of `images` (base64 PNG); text-only modes send no
 * images and no placeholder.
 */
export interface WireObservation {
  prompt: string;
  images: string[];
  turn: number;
}

/** Encode an agent observation for the wire. PNG encoding happens here, after the env step. */
export function toWireObservation(obs: AgentObservation): WireObservation {
  if (!obs.image) return { prompt: obs.userPrompt, images: [], turn: obs.turn };
  return { prompt: `${IMAGE_PLACEHOLDER}\n${obs.userPrompt}`, images: [encodePngSync(obs.image).toString('base64')], turn: obs.turn };
}

/** The JSON-safe part of a step's info. */
export interface WireStepInfo {
  turn: number;
  valid: boolean;
  effective: boolean;
  success: boolean;
  parse_error: string | null;
  format_ok: boolean;
  executed: string[];
  rewards: Record<string, number>;
  env_reward: number;
  best_env_return?: number;
  env_info: Record<string, string | number | boolean | null>;
}

/** Only the scalar fields of an env info (arrays and objects stay on the server). */
export function scalarInfo(info: Info): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(info)) {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') out[k] = v;
    else if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
  }
  return out;
}

export function toWireInfo(info: LanguageStepInfo, actionName: (a: number | string) => string): WireStepInfo {
  const out: WireStepInfo = {
    turn: info.turn,
    valid: info.valid,
    effective: info.effective,
    success: info.success,
    parse_error: info.parse.message,
    format_ok: info.parse.formatOk,
    executed: info.executed.map(actionName),
    rewards: info.rewards,
    env_reward: info.envReward,
    env_info: scalarInfo(info.envInfo),
  };
  if (info.bestEnvReturn !== undefined) out.best_env_return = info.bestEnvReturn;
  return out;
}
