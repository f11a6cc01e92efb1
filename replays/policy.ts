import { InvalidOptionError } from '../envs/core/errors.js';

export interface ReplayPolicyOptions {
  /** Save every Nth episode (episode index % every === 0). 0 or absent: none by count. */
  every?: number;
  /** Save the first N episodes. */
  first?: number;
  /** From each batch given to select(), save the N highest-scoring episodes. */
  best?: number;
  /** From each batch given to select(), save the N lowest-scoring episodes. */
  worst?: number;
}

/**
 * Which episodes to keep as replays. Eval and the RecordEpisode sink ask per episode
 * (`shouldRecord(i)`: every Nth / first N); training rollouts hand a whole batch of scores
 * (returns) to `select(scores)` and get the indices to save: every Nth episode counted
 * across batches, plus the best and worst of the batch. Ties go to the lower index, so the
 * choice is deterministic. With no option set, every episode is kept.
 */
export class ReplayPolicy {
  private readonly every: number;
  private readonly first: number;
  private readonly best: number;
  private readonly worst: number;
  private seen = 0;

  constructor(options: ReplayPolicyOptions = {}) {
    const count = (name: keyof ReplayPolicyOptions) => {
      const v = options[name] ?? 0;
      if (!Number.isSafeInteger(v) || v < 0) throw new InvalidOptionError(`replay policy ${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
      return v;
    };
    this.every = count('every');
    this.first = count('first');
    this.best = count('best');
    this.worst = count('worst');
    if (!this.every && !this.first && !this.best && !this.worst) this.every = 1;
  }

  /** Episodes handed to select() so far (the next batch starts at this global index). */
  get episodesSeen(): number {
    return this.seen;
  }

  /** Whether episode `episodeIndex` (0-based, global) is kept by the count rules (every / first). */
  shouldRecord(episodeIndex: number): boolean {
    return (this.every > 0 && episodeIndex % this.every === 0) || episodeIndex < this.first;
  }

  /**
   * Indices (into `scores`, ascending) of the batch's episodes to save. NaN scores never
   * count as best or worst. Advances the global episode counter by the batch size.
   */
  select(scores: readonly number[]): number[] {
    const chosen = new Set<number>();
    for (let i = 0; i < scores.length; i++) if (this.shouldRecord(this.seen + i)) chosen.add(i);
    const ranked = scores.map((s, i) => [s, i] as const).filter(([s]) => !Number.isNaN(s));
    if (this.best > 0) [...ranked].sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, this.best).forEach(([, i]) => chosen.add(i));
    if (this.worst > 0) [...ranked].sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, this.worst).forEach(([, i]) => chosen.add(i));
    this.seen += scores.length;
    return [...chosen].sort((a, b) => a - b);
  }
}
