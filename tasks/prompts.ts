import type { ObservationMode } from '../envs/core/wrappers/observation-mode.js';
import type { Frame } from '../envs/render/frame.js';
import { NO_SYNONYMS } from './parse.js';
import type { AgentObservation, HistoryEntry, InteractionMode } from './types.js';

/**
 * What the prompt builder knows about an env: its rules, what each action does,
 * synonyms the parser accepts, and (for free-text tasks) what the answer looks like.
 * Register one per env id with `registerPromptSpec`; unknown envs get a generic spec
 * built from their action names.
 */
export interface PromptSpec {
  /** Game name as shown to the agent. */
  title: string;
  /** The rules, a few sentences. */
  rules: string;
  /** Per action name, one short description (optional). */
  actionHelp?: Readonly<Record<string, string>>;
  /** Extra accepted words, word -> action name (documented to the agent). */
  synonyms?: Readonly<Record<string, string>>;
  /** For free-text tasks (no action names): what goes inside <answer>. */
  answerHelp?: string;
  /** A short example answer (inside <answer>), e.g. "Left" or "Up, Up, Left". */
  exampleAnswer?: string;
  /** Explanation of the text view's symbols (legend), when describe() does not carry one. */
  legend?: string;
  /**
   * The env id a trained model is shown for this env (the first line of `modelInput`), when
   * the env plays the same game as another with another level source (Boxoban-v0 plays
   * Sokoban-v0's game from files): a model primed on one then reads the other's states as
   * its own. Default: the env's own id.
   */
  modelId?: string;
}

/**
 * Templates with `{placeholder}` fields. System: {title} {rules} {actions} {answerFormat}.
 * User: {state} {history} {instruction} {turn}. Unknown placeholders are left as written.
 */
export interface PromptTemplates {
  system?: string;
  user?: string;
}

export const DEFAULT_SYSTEM_TEMPLATE = [
  'You are playing {title}.',
  '{rules}',
  '',
  '{actions}',
  '',
  '{answerFormat}',
].join('\n');

export const DEFAULT_USER_TEMPLATE = ['{turn}', '{state}', '{history}', '{instruction}'].join('\n');

const specs = new Map<string, PromptSpec>();

/** Register (or replace) the prompt spec of an env id, e.g. 'Sokoban-v0'. */
export function registerPromptSpec(envId: string, spec: PromptSpec): void {
  specs.set(envId, spec);
}

/** The prompt spec of `envId` (matching the id, then the id's name without version), or a generic one. */
export function getPromptSpec(envId: string, actionNames: readonly string[] = []): PromptSpec {
  const hit = specs.get(envId) ?? specs.get(envId.replace(/-v\d+$/, ''));
  if (hit) return hit;
  return {
    title: envId,
    rules: actionNames.length
      ? 'Choose actions to reach the goal of the game. The state is described below.'
      : 'Answer the task described below.',
  };
}

/** Replace `{name}` fields; unknown names stay as written. Lines that end up empty after a removed field are dropped. */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  const out = template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? vars[k]! : m));
  return out.replace(/\n{3,}/g, '\n\n').replace(/^\n+|\n+$/g, '');
}

/** The answer-format paragraph for the interaction style. */
export function answerFormatText(interaction: InteractionMode, maxActions: number, freeText: boolean, spec: PromptSpec): string {
  const lines = [
    'First think step by step inside <think> </think>, then give your final answer inside <answer> </answer>.',
    'Write nothing outside the tags: exactly <think>...</think><answer>...</answer>.',
  ];
  if (freeText) {
    lines.push(spec.answerHelp ?? 'The answer is your final result only.');
  } else if (interaction === 'plan') {
    lines.push(`The answer is the whole plan: the actions in order, separated by commas (at most ${maxActions}). Only the answer is executed.`);
  } else if (maxActions > 1) {
    lines.push(`The answer holds 1 to ${maxActions} actions, separated by commas; they are executed in order.`);
  } else {
    lines.push('The answer is exactly one action.');
  }
  const example = spec.exampleAnswer ?? (freeText ? '42' : undefined);
  if (example !== undefined) lines.push(`Example: <think>...your reasoning...</think><answer>${example}</answer>`);
  return lines.join('\n');
}

/** The action vocabulary paragraph (empty for free-text tasks). */
export function actionsText(actionNames: readonly string[], spec: PromptSpec): string {
  if (actionNames.length === 0) return '';
  const lines = ['Actions (case-insensitive):'];
  for (const name of actionNames) {
    const help = spec.actionHelp?.[name];
    lines.push(help ? `- ${name}: ${help}` : `- ${name}`);
  }
  const syn = Object.entries(spec.synonyms ?? {});
  if (syn.length) lines.push(`Also accepted: ${syn.map(([w, t]) => `"${w}" = ${t}`).join(', ')}.`);
  return lines.join('\n');
}

export interface PromptInput {
  envId: string;
  mode: ObservationMode;
  interaction: InteractionMode;
  /** describe() of the state (used in modes text, image+caption, text+image). */
  text?: string;
  image?: Frame;
  actionNames: readonly string[];
  history?: readonly HistoryEntry[];
  turn?: number;
  maxActions?: number;
  templates?: PromptTemplates;
  /** Overrides the registered spec. */
  spec?: PromptSpec;
}

/** The state paragraph for a mode. */
function stateText(mode: ObservationMode, text: string | undefined, spec: PromptSpec): string {
  const legend = spec.legend ? `\n${spec.legend}` : '';
  switch (mode) {
    case 'text': return `Current state:\n${text ?? ''}${legend}`;
    case 'image': return 'The current state is shown in the image.';
    case 'image+caption': return `The current state is shown in the image. Caption:\n${text ?? ''}${legend}`;
    case 'text+image': return `Current state (also shown in the image):\n${text ?? ''}${legend}`;
  }
}

/** Build the full agent observation (both prompts) for one turn. */
export function buildAgentObservation(input: PromptInput): AgentObservation {
  const spec = input.spec ?? getPromptSpec(input.envId, input.actionNames);
  const freeText = input.actionNames.length === 0;
  const maxActions = input.maxActions ?? 1;
  const history = input.history ?? [];
  const turn = input.turn ?? 0;
  const systemPrompt = renderTemplate(input.templates?.system ?? DEFAULT_SYSTEM_TEMPLATE, {
    title: spec.title,
    rules: spec.rules,
    actions: actionsText(input.actionNames, spec),
    answerFormat: answerFormatText(input.interaction, maxActions, freeText, spec),
  });
  const historyText = history.length
    ? `Your last ${history.length} action${history.length === 1 ? '' : 's'}: ${history.map((h) => h.action).join(', ')}`
    : '';
  const instruction = freeText
    ? 'Give your answer.'
    : input.interaction === 'plan'
      ? 'Give the whole plan.'
      : maxActions > 1 ? `Give your next action(s) (at most ${maxActions}).` : 'Give your next action.';
  const userPrompt = renderTemplate(input.templates?.user ?? DEFAULT_USER_TEMPLATE, {
    turn: input.interaction === 'step' && !freeText ? `Turn ${turn + 1}.` : '',
    state: stateText(input.mode, input.text, spec),
    history: historyText,
    instruction,
  }).replace(/\n{2,}/g, '\n');
  const obs: AgentObservation = {
    envId: input.envId,
    mode: input.mode,
    interaction: input.interaction,
    systemPrompt,
    userPrompt,
    actionNames: input.actionNames,
    synonyms: spec.synonyms ?? NO_SYNONYMS,
    history,
    turn,
    maxActions,
  };
  if (input.text !== undefined && input.mode !== 'image') obs.text = input.text;
  if (input.image !== undefined && input.mode !== 'text') obs.image = input.image;
  return obs;
}
