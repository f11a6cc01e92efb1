import { join } from 'node:path';
import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/core/env.js';
import { Wrapper } from '../envs/core/wrapper.js';
import type { ReplayAgentInfo } from './format.js';
import type { ReplayPolicy } from './policy.js';
import { ReplayWriter, defaultReplayName, headerFromEnv, type ReplayTurnInput } from './writer.js';

export interface ReplayRecorderOptions {
  /** Folder for the replay files (one file per recorded episode). */
  dir: string;
  /** Which episodes to record (`policy.shouldRecord(episodeIndex)`; default all). */
  policy?: ReplayPolicy;
  agent?: ReplayAgentInfo;
  /** Store render() of every state in the file (default false: re-simulate instead). */
  frames?: boolean;
  /** Store describe() of every state (default false). */
  text?: boolean;
  meta?: Record<string, unknown>;
  /** File name of episode `episodeIndex` (default `<envId>-ep000012.jsonl`). */
  fileName?: (envId: string | null, episodeIndex: number) => string;
}

/**
 * An env wrapper that streams each (selected) episode to a replay file while it runs:
 * reset() opens `<dir>/<name>.partial`, each step appends a line, and the file is closed
 * (renamed into place) at the next reset(), at finish() or at close(). Wrap the made env
 * below an agent layer and call `turn()` after each agent turn to add its response:
 *
 *   const rec = new ReplayRecorder(make('Sokoban-v0'), { dir: 'runs/replays' });
 *   const lenv = new LanguageEnv(rec);
 *   lenv.reset({ seed }); const r = lenv.step(text); rec.turn({ response: text, ... });
 *
 * Episodes need reset({ seed }) to be re-simulatable (else record with frames).
 */
export class ReplayRecorder<O = unknown, A = unknown> extends Wrapper<O, A> {
  /** Files finished so far. */
  readonly paths: string[] = [];
  private writer: ReplayWriter | null = null;
  private episodes = 0;

  constructor(env: Env<O, A>, readonly options: ReplayRecorderOptions) {
    super(env);
  }

  /** The file being written for the current episode (null when not recorded). */
  get currentPath(): string | null {
    return this.writer?.path ?? null;
  }

  override reset(options: ResetOptions = {}): ResetResult<O> {
    this.finish();
    const r = this.env.reset(options);
    const index = this.episodes++;
    if (this.options.policy && !this.options.policy.shouldRecord(index)) return r;
    const envId = this.env.spec?.id ?? null;
    const name = this.options.fileName?.(envId, index) ?? defaultReplayName(envId, index);
    this.writer = new ReplayWriter(join(this.options.dir, name), headerFromEnv(this.env as Env, {
      seed: options.seed ?? null, resetOptions: options.options ?? {}, episodeIndex: index, resetInfo: r.info,
      ...(this.options.agent ? { agent: this.options.agent } : {}),
      ...(this.options.meta ? { meta: this.options.meta } : {}),
      ...(this.options.text ? { text: this.env.describe() } : {}),
      ...(this.options.frames ? { frame: this.env.render() } : {}),
    }));
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.writer?.step({
      action, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info,
      ...(this.options.text ? { text: this.env.describe() } : {}),
      ...(this.options.frames ? { frame: this.env.render() } : {}),
    });
    return r;
  }

  /** Record an agent turn over the steps since the previous turn (no-op when not recording). */
  turn(input: ReplayTurnInput): void {
    this.writer?.turn(input);
  }

  /** Close the current episode's file (with an optional summary). Returns its path, or null. */
  finish(summary?: Record<string, unknown>): string | null {
    const w = this.writer;
    if (!w) return null;
    this.writer = null;
    const path = w.close(summary);
    this.paths.push(path);
    return path;
  }

  override close(): void {
    this.finish();
    this.env.close();
  }
}
