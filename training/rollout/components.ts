/**
 * The episode-level reward components a training config may weight (`stages[i].rewards`):
 * accuracy (win 0/1), format (share of turns in the format), env (the env's
 * return), penalty (invalid-answer penalties). A weight for another name is a config error.
 */
export const REWARD_COMPONENTS = ['accuracy', 'format', 'env', 'penalty'] as const;
export type RewardComponentName = (typeof REWARD_COMPONENTS)[number];
