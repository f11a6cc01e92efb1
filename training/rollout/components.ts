/**
 * The episode-level reward components a training config may weight (`stages[i].rewards`):
 * accuracy (win 0/1), format (share of turns in the format), env (the env's
 * return), penalty (invalid-answer penalties), reasoning (share of turns whose reasoning the
 * env's check accepts; tasks/rewards/reasoning.ts). A weight for another name is a config error.
 */
export const REWARD_COMPONENTS = ['accuracy', 'format', 'env', 'penalty', 'reasoning'] as const;
export type RewardComponentName = (typeof REWARD_COMPONENTS)[number];
