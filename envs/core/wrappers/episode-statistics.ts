import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { InvalidOptionError, describeValue } from '../errors.js';
import { Wrapper } from '../wrapper.js';

/** The statistics of one finished episode, as put in `info.episode`. */
export interface EpisodeStatistics {
  /** Return: the sum of the episode's rewards. */
  r: number;
  /** Length: the number of steps. */
  l: number;
  /** Seconds from reset to the episode's end, rounded to 6 decimals. */
  t: number;
}

export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes the queues keep (default 100). */
  bufferLength?: number;
  /** The info key of the statistics (default 'episode'). */
  statsKey?: string;
  /** The clock, in seconds (default performance.now() / 1000); for tests. */
  clock?: () => number;
}

/**
 * Gymnasium's RecordEpisodeStatistics: when an episode ends (terminated or truncated), the
 * step's info gets `episode: { r, l, t }` (return, length, seconds since reset), and the
 * recent values are kept in `returnQueue`, `lengthQueue` and `timeQueue` (oldest first, at
 * most `bufferLength`). The hot path adds two numbers; the info is copied once per episode.
 */
export class RecordEpisodeStatistics<O, A> extends Wrapper<O, A> {
  readonly bufferLength: number;
  readonly statsKey: string;
  /** Episodes finished so far. */
  episodeCount = 0;
  /** The current episode's return and length so far. */
  episodeReturn = 0;
  episodeLength = 0;
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  private readonly clock: () => number;
  private startTime = 0;

  constructor(env: Env<O, A>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    const bufferLength = options.bufferLength ?? 100;
    if (!Number.isSafeInteger(bufferLength) || bufferLength <= 0) throw new InvalidOptionError(`bufferLength must be a positive integer, got ${describeValue(bufferLength)}`);
    this.bufferLength = bufferLength;
    this.statsKey = options.statsKey ?? 'episode';
    if (typeof this.statsKey !== 'string' || this.statsKey === '') throw new InvalidOptionError(`statsKey must be a non-empty string, got ${describeValue(this.statsKey)}`);
    this.clock = options.clock ?? (() => performance.now() / 1000);
  }

  override reset(options?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(options);
    this.startTime = this.clock();
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    if (r.terminated || r.truncated) {
      if (this.statsKey in r.info) throw new InvalidOptionError(`the env's info already has a key ${JSON.stringify(this.statsKey)}; pass another statsKey to RecordEpisodeStatistics`);
      const now = this.clock();
      const stats: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t: Math.round((now - this.startTime) * 1e6) / 1e6 };
      r.info = { ...r.info, [this.statsKey]: stats };
      push(this.returnQueue, stats.r, this.bufferLength);
      push(this.lengthQueue, stats.l, this.bufferLength);
      push(this.timeQueue, stats.t, this.bufferLength);
      this.episodeCount++;
      this.startTime = now;
    }
    return r;
  }
}

function push(queue: number[], value: number, max: number): void {
  queue.push(value);
  if (queue.length > max) queue.shift();
}
