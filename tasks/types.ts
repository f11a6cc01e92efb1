import type { ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import type { Frame } from '../envs/render/frame.js';

// The language task's types: what an agent sees on a turn (AgentObservation) and what
// its answer parses to (ParseResult). The Agent contract itself is in agents/types.ts.

/**
 * How an agent interacts with an env:
 * - `step`: multi-turn; one answer per turn holding 1..K actions, the last N actions shown.
 * - `plan`: single-turn; one answer holds the whole plan, replayed in the env
 *   (LMM-R1 / MageBench "Sokoban-Global").
 */
export type InteractionMode = 'step' | 'plan';

/** One past action, shown to the agent as history in step mode. */
export interface HistoryEntry {
  /** Turn (0-based) in which the action was taken. */
  turn: number;
  /** The action's name (from the env's actionNames), or the raw answer for free-text envs. */
  action: string;
  /** Env reward the action earned. */
  reward: number;
}

/**
 * What a language / multimodal agent sees on one turn: the state as text and/or image,
 * the prompts built from them, the action vocabulary and the recent history.
 * `systemPrompt` + `userPrompt` are everything a chat model needs (plus `image` when set).
 */
export interface AgentObservation {
  envId: string;
  mode: ObservationMode;
  interaction: InteractionMode;
  /** The text view of the state (modes text, image+caption, text+image). */
  text?: string;
  /** The RGBA frame of the state (modes image, image+caption, text+image). A copy: safe to keep. */
  image?: Frame;
  /** Rules, action vocabulary and answer format for this env. */
  systemPrompt: string;
  /** This turn's message: the state (text part), history and what to answer. */
  userPrompt: string;
  /** Action vocabulary (index = action); empty for free-text tasks (Countdown, Arithmetic). */
  actionNames: readonly string[];
  /** Accepted synonyms, lower-case word -> action name. */
  synonyms: Readonly<Record<string, string>>;
  /** The last N actions (oldest first). */
  history: readonly HistoryEntry[];
  /** 0-based turn index in the episode. */
  turn: number;
  /** Most actions one answer may hold (1 in plain step mode; the plan limit in plan mode). */
  maxActions: number;
}

/** Why an answer could not be turned into actions. */
export type ParseFailureReason =
  | 'empty-response'
  | 'no-answer-tag'
  | 'multiple-answer-tags'
  | 'empty-answer'
  | 'unknown-action'
  | 'too-many-actions';

/**
 * The result of parsing a response. Never thrown: a failure has `ok: false` with a reason.
 * `formatOk` is LMM-R1's format rule (see tasks/rewards/format.ts); a response can parse
 * (`ok`) while failing the format (e.g. text outside the tags).
 */
export interface ParseResult {
  ok: boolean;
  reason: ParseFailureReason | null;
  /** One line for logs and replays, e.g. `unknown action word "jump"`. */
  message: string | null;
  /**
   * Format: ^<think>.*</think><answer>.*</answer>$ with one tag of each, on the text with
   * outer whitespace stripped (rule 'server', the default) or on the bare text ('strict').
   */
  formatOk: boolean;
  /** Text inside <think>...</think> (null when absent). */
  think: string | null;
  /** Text inside <answer>...</answer>, trimmed (null when absent). */
  answer: string | null;
  /** Action indices (envs with actionNames); null on failure or for free-text tasks. */
  actions: number[] | null;
  /** Answer words that matched no action name or synonym. */
  unknownWords: string[];
}
