import type { Frame } from '../../render/frame.js';
import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../env.js';
import { Wrapper } from '../wrapper.js';

/** One finished (or cut) episode, as handed to a RecordEpisode sink. */
export interface EpisodeRecord<A = unknown> {
  envId: string | null;
  envOptions: Record<string, unknown>;
  /** The seed passed to reset (null when the episode continued an earlier seeded stream). */
  seed: number | null;
  resetOptions: Record<string, unknown>;
  /** Index of this episode among those the wrapper recorded (0-based). */
  episodeIndex: number;
  actions: A[];
  rewards: number[];
  infos: Info[];
  resetInfo: Info;
  terminated: boolean;
  truncated: boolean;
  length: number;
  totalReward: number;
  /** Text views (describe()) of each state, start state first, when `text` was asked. */
  texts?: string[];
  /** Frames of each state, start state first, when `frames` was asked (copies). */
  frames?: Frame[];
}

export type EpisodeSink<A> = (episode: EpisodeRecord<A>) => void;

export interface RecordEpisodeOptions {
  /** Keep a copy of render() for each state (slow; for replays). */
  frames?: boolean;
  /** Keep describe() for each state. */
  text?: boolean;
  /** Record only every Nth episode (default 1: all). */
  every?: number;
}

/**
 * Collects each episode's actions, rewards and infos (and optionally frames and text
 * views) and hands the record to `sink` when the episode ends. An episode cut short by
 * reset() is handed over too, marked neither terminated nor truncated.
 */
export class RecordEpisode<O, A> extends Wrapper<O, A> {
  private current: EpisodeRecord<A> | null = null;
  private count = 0;
  constructor(env: Env<O, A>, readonly sink: EpisodeSink<A>, readonly options: RecordEpisodeOptions = {}) {
    super(env);
  }

  override reset(options: ResetOptions = {}): ResetResult<O> {
    this.flush();
    const r = this.env.reset(options);
    const every = this.options.every ?? 1;
    const index = this.count++;
    if (index % every !== 0) {
      this.current = null;
      return r;
    }
    const spec = this.env.spec;
    this.current = {
      envId: spec?.id ?? null,
      envOptions: spec?.options ?? {},
      seed: options.seed ?? null,
      resetOptions: options.options ?? {},
      episodeIndex: index,
      actions: [], rewards: [], infos: [], resetInfo: r.info,
      terminated: false, truncated: false, length: 0, totalReward: 0,
    };
    this.capture();
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    const ep = this.current;
    if (ep) {
      ep.actions.push(action);
      ep.rewards.push(r.reward);
      ep.infos.push(r.info);
      ep.length++;
      ep.totalReward += r.reward;
      this.capture();
      if (r.terminated || r.truncated) {
        ep.terminated = r.terminated;
        ep.truncated = r.truncated;
        this.flush();
      }
    }
    return r;
  }

  override close(): void {
    this.flush();
    this.env.close();
  }

  private capture(): void {
    const ep = this.current!;
    if (this.options.frames) {
      const f = this.env.render();
      (ep.frames ??= []).push({ width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) });
    }
    if (this.options.text) (ep.texts ??= []).push(this.env.describe());
  }

  private flush(): void {
    const ep = this.current;
    this.current = null;
    if (ep && (ep.length > 0 || ep.terminated || ep.truncated)) this.sink(ep);
  }
}
