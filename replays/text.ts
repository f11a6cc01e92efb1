// Text helpers shared by the image panel and the HTML viewer.
import type { Replay, ReplayStep } from './format.js';

/** The reasoning and the answer of a `<think>...</think><answer>...</answer>` response (else all of it is reasoning). */
export function splitResponse(response: string): { reasoning: string; answer: string | null } {
  const think = /<think>([\s\S]*?)<\/think>/.exec(response);
  const answer = /<answer>([\s\S]*?)<\/answer>/.exec(response);
  if (!think && !answer) return { reasoning: response.trim(), answer: null };
  return { reasoning: (think?.[1] ?? response.replace(/<answer>[\s\S]*?<\/answer>/, '')).trim(), answer: answer ? answer[1]!.trim() : null };
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

/**
 * The response shown for state i: the step's own response, or (plan mode, where one answer
 * drives several steps) the last earlier one, with the step it came from.
 */
export function responseFor(replay: Replay, index: number): { response: string; from: number } | null {
  for (let k = Math.min(index, replay.steps.length - 1); k >= 0; k--) {
    const r = (replay.steps[k] as ReplayStep).response;
    if (r !== undefined) return { response: r, from: k };
  }
  return null;
}

/** Cumulative return after each step: returns[i] = sum of rewards of steps 0..i-1 (returns[0] = 0). */
export function cumulativeReturns(replay: Replay): number[] {
  const out = [0];
  let acc = 0;
  for (const s of replay.steps) out.push((acc += s.reward));
  return out;
}
