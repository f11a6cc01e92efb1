import type { Env } from '../../envs/core/env.js';

/**
 * Reasoning rewards: a rule-based check of what a response's <think> states, against the
 * env's state before the move (VAGEN rewards the stated state; here the check is exact).
 * An outcome reward alone pays a right move reached by a wrong plan, and RL then teaches
 * the wrong plan (docs/notes/issue-12.md, eighth session); this pays the reasoning itself.
 * Envs register a check by id; it returns a score in [0, 1] and must not change the env.
 */
export type ReasoningCheck = (env: Env, think: string, answer: string | null) => number;

const checks = new Map<string, ReasoningCheck>();

/** Register (or replace) the reasoning check of an env id, e.g. 'Sokoban-v0'. */
export function registerReasoningCheck(envId: string, check: ReasoningCheck): void {
  checks.set(envId, check);
}

/** The reasoning check of an env id, or null when none is registered. */
export function reasoningCheckOf(envId: string): ReasoningCheck | null {
  return checks.get(envId) ?? null;
}
