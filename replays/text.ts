// Text helpers shared by the image panel and the HTML viewer.
import type { Replay, ReplayStep, ReplayTurn } from './format.js';

/** The first `<open>...</close>` of `s` as [start of open tag, start of content, end of content, end of close tag], or null (linear: indexOf, no backtracking). */
function tagSpan(s: string, open: string, close: string): [number, number, number, number] | null {
  const a = s.indexOf(open);
  if (a < 0) return null;
  const b = s.indexOf(close, a + open.length);
  return b < 0 ? null : [a, a + open.length, b, b + close.length];
}

/**
 * The reasoning and the answer of a `<think>...</think><answer>...</answer>` response (else
 * all of it is reasoning). Linear time whatever the text (no regular-expression backtracking).
 */
export function splitResponse(response: string): { reasoning: string; answer: string | null } {
  const think = tagSpan(response, '<think>', '</think>');
  const answer = tagSpan(response, '<answer>', '</answer>');
  if (!think && !answer) return { reasoning: response.trim(), answer: null };
  const reasoning = think ? response.slice(think[1], think[2]) : response.slice(0, answer![0]) + response.slice(answer![3]);
  return { reasoning: reasoning.trim(), answer: answer ? response.slice(answer[1], answer[2]).trim() : null };
}

/** Longest agent text (reasoning, answer, parse error) the HTML viewer embeds per state: 64 Ki characters. */
export const MAX_VIEWER_TEXT_CHARS = 64 * 1024;

/** `s` cut to its first `max` characters with a visible marker saying how many were left out. */
export function clipText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… [${s.length - max} more characters not shown]`;
}

/** A short label for an action: its name when the env names Discrete actions, else compact JSON. */
export function actionLabel(action: unknown, actionNames?: readonly string[] | null): string {
  if (typeof action === 'number' && actionNames && Number.isInteger(action) && action >= 0 && action < actionNames.length) return `${actionNames[action]} (${action})`;
  if (action === null) return 'null (no-op)';
  if (ArrayBuffer.isView(action)) return `[${Array.from(action as unknown as ArrayLike<number>, (x) => +x.toFixed(3)).join(', ')}]`;
  const s = JSON.stringify(action) ?? String(action);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}

/** A reward with sign and up to 3 decimals (exact integers stay short). */
export function formatReward(r: number): string {
  const s = Number.isInteger(r) ? String(r) : r.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  return r > 0 ? `+${s}` : s;
}

/** What the agent said about state `index` (see `agentViewAt`). */
export interface ReplayAgentView {
  /** Heading, e.g. "Turn 3" or "Turn 1 (plan, action 4/9)". */
  title: string;
  response: string | null;
  parsedAction?: unknown;
  parseError?: string;
  turnReward?: number;
  rewardComponents?: Record<string, number>;
  /** Earlier turns at this same state that ran no env step (answers that did not parse). */
  idleTurns: ReplayTurn[];
}

/**
 * The agent's words for state i (the state before step i; i = steps.length is the final
 * state): the turn that drove step i (plan mode: one turn drives many steps), else the
 * step's own response, else the last earlier step response (a plan stored on its first
 * step). Turns that ran no env step at this state are listed in `idleTurns`.
 */
export function agentViewAt(replay: Replay, index: number): ReplayAgentView | null {
  const idle = replay.turns.filter((t) => t.count === 0 && t.start === index);
  const covering = replay.turns.find((t) => t.count > 0 && t.start <= index && index < t.start + t.count);
  const fromTurn = (t: ReplayTurn, title: string, idleTurns: ReplayTurn[]): ReplayAgentView => ({
    title, response: t.response ?? null, idleTurns,
    ...(t.parsedAction !== undefined ? { parsedAction: t.parsedAction } : {}),
    ...(t.parseError !== undefined ? { parseError: t.parseError } : {}),
    ...(t.reward !== undefined ? { turnReward: t.reward } : {}),
    ...(t.rewardComponents ? { rewardComponents: t.rewardComponents } : {}),
  });
  if (covering) {
    const title = covering.count === 1 ? `Turn ${covering.turn + 1}` : `Turn ${covering.turn + 1} (plan, action ${index - covering.start + 1}/${covering.count})`;
    return fromTurn(covering, title, idle);
  }
  if (index < replay.steps.length) {
    for (let k = index; k >= 0; k--) {
      const step = replay.steps[k] as ReplayStep;
      if (replay.turns.some((t) => t.count > 0 && t.start <= k && k < t.start + t.count)) break;
      if (step.response !== undefined) return { title: k === index ? 'Agent' : `Agent (plan from step ${k + 1})`, response: step.response, idleTurns: idle };
    }
  }
  if (idle.length) return fromTurn(idle[idle.length - 1]!, `Turn ${idle[idle.length - 1]!.turn + 1} (no env step)`, idle.slice(0, -1));
  return null;
}

/** Cumulative return after each step: returns[i] = sum of rewards of steps 0..i-1 (returns[0] = 0). */
export function cumulativeReturns(replay: Replay): number[] {
  const out = [0];
  let acc = 0;
  for (const s of replay.steps) out.push((acc += s.reward));
  return out;
}
