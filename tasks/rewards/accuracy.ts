/**
 * Outcome rewards: 1 for a solved/won episode or a right single-step answer, else 0.
 * Pure functions over plain data so training, evaluation and replays agree.
 */

/** The part of an episode's end that decides a win. */
export interface EpisodeOutcome {
  terminated: boolean;
  /** The env's own verdict (info.success of the last step), when it reports one. */
  success?: boolean | null;
}

/** 1 when the episode ended solved/won, else 0. Uses info.success when the env reports it. */
export function winReward(outcome: EpisodeOutcome): 0 | 1 {
  if (outcome.success === true) return 1;
  return 0;
}

/** Reads `success` from an env info object (false when absent or not a boolean). */
export function infoSuccess(info: Record<string, unknown> | null | undefined): boolean {
  return info !== null && info !== undefined && info.success === true;
}

/**
 * 1 when `answer` equals `expected` after normalisation (trim, case, inner whitespace,
 * numeric equality for numbers), else 0. For tasks with a custom checker (Countdown)
 * pass the checker's verdict to `accuracyFromVerdict` instead.
 */
export function accuracyReward(answer: string | null | undefined, expected: string | number): 0 | 1 {
  if (typeof answer !== 'string') return 0;
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  if (typeof expected === 'number') {
    const t = answer.trim();
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(t)) return 0;
    return Math.abs(Number(t) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)) ? 1 : 0;
  }
  return norm(answer) === norm(expected) ? 1 : 0;
}

/** 1 for a true verdict, else 0. */
export function accuracyFromVerdict(correct: boolean | null | undefined): 0 | 1 {
  return correct === true ? 1 : 0;
}
