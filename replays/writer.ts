import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Env, Info } from '../envs/core/env.js';
import type { EpisodeRecord, EpisodeSink } from '../envs/core/wrappers/record-episode.js';
import type { Frame } from '../envs/render/frame.js';
import { checkOutputFile } from '../envs/render/png.js';
import { ReplayError } from './errors.js';
import {
  REPLAY_PARTIAL_SUFFIX, REPLAY_FORMAT, REPLAY_VERSION, encodeStoredFrame, encodeReplayValue,
  type ReplayAgentInfo, type ReplayEnd, type ReplayHeader, type ReplayStep, type ReplayTurn,
} from './format.js';
import type { ReplayPolicy } from './policy.js';

/** What a caller gives for the header; format, version and createdAt are filled in. */
export interface ReplayHeaderInit {
  envId: string | null;
  envOptions?: Record<string, unknown>;
  seed: number | null;
  resetOptions?: Record<string, unknown>;
  agent?: ReplayAgentInfo;
  createdAt?: string;
  episodeIndex?: number;
  actionNames?: readonly string[];
  resetInfo?: Info;
  /** describe() of the start state (store only when asked). */
  text?: string;
  /** render() of the start state (store only when asked). */
  frame?: Frame;
  meta?: Record<string, unknown>;
}

/** One env step as the caller saw it; the agent fields are for language agents. */
export interface ReplayStepInput {
  action: unknown;
  reward: number;
  terminated?: boolean;
  truncated?: boolean;
  info?: Info;
  /** The agent's full response text. */
  response?: string;
  parsedAction?: unknown;
  parseError?: string;
  /** Reward components (format, accuracy, total ...) from the agent layer or training. */
  rewardComponents?: Record<string, number>;
  /** describe() after the step (store only when asked). */
  text?: string;
  /** render() after the step (store only when asked; copied). */
  frame?: Frame;
}

/** One agent turn (see ReplayTurn): written after the env steps it drove. */
export interface ReplayTurnInput {
  response?: string;
  parsedAction?: unknown;
  parseError?: string;
  reward?: number;
  rewardComponents?: Record<string, number>;
  info?: Info;
  /** How many of the latest steps this turn drove (default: all steps since the previous turn; 0 for an answer that ran nothing). */
  steps?: number;
}

export interface ReplayWriterOptions {
  /** fsync after every line (slow, survives power loss) or only at close (default). */
  fsync?: 'close' | 'every-line';
}

/**
 * Writes one episode as a replay file, line by line. Lines go to `<path>.partial` as they
 * come (each line one write(2), so a crash loses at most the line being written and the
 * partial file stays readable with `readReplay(p, { allowPartial: true })`); `close()`
 * appends the end line, fsyncs and renames the file to `path`. A file at `path` is
 * therefore always complete.
 */
export class ReplayWriter {
  readonly partialPath: string;
  private fd: number | null;
  private t = 0;
  private totalReward = 0;
  private ended: { terminated: boolean; truncated: boolean } | null = null;
  private componentTotals: Record<string, number> | null = null;
  private turns = 0;
  private turnsEnd = 0;
  private turnReward: number | null = null;
  private readonly syncEveryLine: boolean;

  constructor(readonly path: string, header: ReplayHeaderInit, options: ReplayWriterOptions = {}) {
    this.partialPath = path + REPLAY_PARTIAL_SUFFIX;
    this.syncEveryLine = options.fsync === 'every-line';
    checkOutputFile(path);
    checkOutputFile(this.partialPath);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(this.partialPath, 'w');
    this.writeLine(buildHeader(header));
  }

  /** Steps written so far. */
  get steps(): number {
    return this.t;
  }

  /** Append one step. Throws when the episode already ended or the reward is not a number. */
  step(input: ReplayStepInput): void {
    if (this.fd === null) throw new ReplayError(`replay ${this.path} is closed`);
    if (this.ended) throw new ReplayError(`replay ${this.path}: step ${this.t} after the episode ended (${this.ended.terminated ? 'terminated' : 'truncated'})`);
    if (typeof input.reward !== 'number' || !Number.isFinite(input.reward)) throw new ReplayError(`replay ${this.path}: step ${this.t} reward must be a finite number, got ${String(input.reward)}`);
    const terminated = input.terminated ?? false, truncated = input.truncated ?? false;
    const line: ReplayStep = {
      kind: 'step', t: this.t, action: encodeReplayValue(input.action),
      ...(input.response !== undefined ? { response: input.response } : {}),
      ...(input.parsedAction !== undefined ? { parsedAction: encodeReplayValue(input.parsedAction) } : {}),
      ...(input.parseError !== undefined ? { parseError: input.parseError } : {}),
      reward: input.reward,
      ...(input.rewardComponents ? { rewardComponents: encodeReplayValue(input.rewardComponents) as Record<string, number> } : {}),
      terminated, truncated,
      info: (encodeReplayValue(input.info ?? {}) ?? {}) as Record<string, unknown>,
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.frame ? { frame: encodeStoredFrame(input.frame) } : {}),
    };
    this.writeLine(line);
    this.t++;
    this.totalReward += input.reward;
    this.addComponents(input.rewardComponents);
    if (terminated || truncated) this.ended = { terminated, truncated };
  }

  /**
   * Append an agent turn covering the last `input.steps` steps (default: every step since
   * the previous turn). Call it after the turn's env steps; allowed after the last step.
   */
  turn(input: ReplayTurnInput): void {
    if (this.fd === null) throw new ReplayError(`replay ${this.path} is closed`);
    const count = input.steps ?? this.t - this.turnsEnd;
    if (!Number.isSafeInteger(count) || count < 0 || this.t - count < this.turnsEnd) {
      throw new ReplayError(`replay ${this.path}: turn ${this.turns} cannot cover ${count} step(s): ${this.t - this.turnsEnd} step(s) since the previous turn`);
    }
    if (input.reward !== undefined && (typeof input.reward !== 'number' || !Number.isFinite(input.reward))) throw new ReplayError(`replay ${this.path}: turn ${this.turns} reward must be a finite number, got ${String(input.reward)}`);
    const line: ReplayTurn = {
      kind: 'turn', turn: this.turns, start: this.t - count, count,
      ...(input.response !== undefined ? { response: input.response } : {}),
      ...(input.parsedAction !== undefined ? { parsedAction: encodeReplayValue(input.parsedAction) } : {}),
      ...(input.parseError !== undefined ? { parseError: input.parseError } : {}),
      ...(input.reward !== undefined ? { reward: input.reward } : {}),
      ...(input.rewardComponents ? { rewardComponents: encodeReplayValue(input.rewardComponents) as Record<string, number> } : {}),
      ...(input.info ? { info: encodeReplayValue(input.info) as Record<string, unknown> } : {}),
    };
    this.writeLine(line);
    this.turns++;
    this.turnsEnd = this.t;
    if (input.reward !== undefined) this.turnReward = (this.turnReward ?? 0) + input.reward;
    this.addComponents(input.rewardComponents);
  }

  private addComponents(components: Record<string, number> | undefined): void {
    if (!components) return;
    const totals = (this.componentTotals ??= {});
    for (const [k, v] of Object.entries(components)) totals[k] = (totals[k] ?? 0) + v;
  }

  /** Write the end line and move the file into place. Returns the final path. */
  close(summary?: Record<string, unknown>): string {
    if (this.fd === null) throw new ReplayError(`replay ${this.path} is already closed`);
    const end: ReplayEnd = {
      kind: 'end', steps: this.t, totalReward: this.totalReward,
      terminated: this.ended?.terminated ?? false, truncated: this.ended?.truncated ?? false,
      ...(this.turns > 0 ? { turns: this.turns } : {}),
      ...(this.turnReward !== null ? { turnReward: this.turnReward } : {}),
      ...(this.componentTotals ? { rewardComponentTotals: encodeReplayValue(this.componentTotals) as Record<string, number> } : {}),
      closedAt: new Date().toISOString(),
      ...(summary ? { summary: encodeReplayValue(summary) as Record<string, unknown> } : {}),
    };
    this.writeLine(end);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.partialPath, this.path);
    return this.path;
  }

  /** Stop without an end line: keeps `<path>.partial` (or removes it with `remove`). */
  abort(options: { remove?: boolean } = {}): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (options.remove) rmSync(this.partialPath, { force: true });
  }

  private writeLine(value: unknown): void {
    const bytes = Buffer.from(JSON.stringify(value) + '\n');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd!, bytes, off);
    if (this.syncEveryLine) fsyncSync(this.fd!);
  }
}

function buildHeader(h: ReplayHeaderInit): ReplayHeader {
  if (h.seed !== null && (!Number.isSafeInteger(h.seed) || h.seed < 0)) throw new ReplayError(`replay seed must be a non-negative integer or null, got ${JSON.stringify(h.seed)}`);
  return {
    kind: 'header', format: REPLAY_FORMAT, version: REPLAY_VERSION,
    envId: h.envId,
    envOptions: encodeReplayValue(h.envOptions ?? {}) as Record<string, unknown>,
    seed: h.seed,
    resetOptions: encodeReplayValue(h.resetOptions ?? {}) as Record<string, unknown>,
    ...(h.agent ? { agent: encodeReplayValue(h.agent) as ReplayAgentInfo } : {}),
    createdAt: h.createdAt ?? new Date().toISOString(),
    ...(h.episodeIndex !== undefined ? { episodeIndex: h.episodeIndex } : {}),
    ...(h.actionNames ? { actionNames: [...h.actionNames] } : {}),
    ...(h.resetInfo ? { resetInfo: encodeReplayValue(h.resetInfo) as Record<string, unknown> } : {}),
    ...(h.text !== undefined ? { text: h.text } : {}),
    ...(h.frame ? { frame: encodeStoredFrame(h.frame) } : {}),
    ...(h.meta ? { meta: encodeReplayValue(h.meta) as Record<string, unknown> } : {}),
  };
}

/**
 * A header for an env built with make(): env id and options from its spec, action names
 * from the env. Pass the same seed and reset options you give reset().
 */
export function headerFromEnv(env: Env, init: Omit<ReplayHeaderInit, 'envId' | 'envOptions' | 'actionNames'>): ReplayHeaderInit {
  return {
    ...init,
    envId: env.spec?.id ?? null,
    envOptions: env.spec?.options ?? {},
    ...(env.actionNames ? { actionNames: env.actionNames } : {}),
  };
}

/** Per-step agent fields to merge into an EpisodeRecord when saving it. */
export interface ReplayStepAnnotation {
  response?: string;
  parsedAction?: unknown;
  parseError?: string;
  rewardComponents?: Record<string, number>;
}

export interface SaveEpisodeReplayOptions {
  agent?: ReplayAgentInfo;
  /** Agent fields of each step, index = step (shorter arrays are fine). */
  annotations?: readonly (ReplayStepAnnotation | undefined)[];
  /** Store the record's frames (it must have been recorded with frames). Default false. */
  frames?: boolean;
  /** Store the record's describe() texts. Default false. */
  text?: boolean;
  actionNames?: readonly string[];
  meta?: Record<string, unknown>;
  summary?: Record<string, unknown>;
}

/** Save a RecordEpisode episode as a replay file (atomically). Returns the path. */
export function saveEpisodeReplay<A>(path: string, episode: EpisodeRecord<A>, options: SaveEpisodeReplayOptions = {}): string {
  const frames = options.frames ? episode.frames : undefined;
  const texts = options.text ? episode.texts : undefined;
  if (options.frames && !frames) throw new ReplayError('saveEpisodeReplay: frames asked but the episode has none (record with new RecordEpisode(env, sink, { frames: true }))');
  const writer = new ReplayWriter(path, {
    envId: episode.envId, envOptions: episode.envOptions, seed: episode.seed, resetOptions: episode.resetOptions,
    episodeIndex: episode.episodeIndex, resetInfo: episode.resetInfo,
    ...(options.agent ? { agent: options.agent } : {}),
    ...(options.actionNames ? { actionNames: options.actionNames } : {}),
    ...(options.meta ? { meta: options.meta } : {}),
    ...(texts?.[0] !== undefined ? { text: texts[0] } : {}),
    ...(frames?.[0] ? { frame: frames[0] } : {}),
  });
  try {
    for (let t = 0; t < episode.length; t++) {
      const last = t === episode.length - 1;
      writer.step({
        action: episode.actions[t], reward: episode.rewards[t]!, info: episode.infos[t] ?? {},
        terminated: last && episode.terminated, truncated: last && episode.truncated,
        ...(options.annotations?.[t] ?? {}),
        ...(texts?.[t + 1] !== undefined ? { text: texts[t + 1] } : {}),
        ...(frames?.[t + 1] ? { frame: frames[t + 1] } : {}),
      });
    }
  } catch (e) {
    writer.abort({ remove: true });
    throw e;
  }
  return writer.close(options.summary);
}

export interface ReplaySinkOptions extends Omit<SaveEpisodeReplayOptions, 'annotations' | 'summary'> {
  /** Which episodes to save (default: all). Uses `policy.shouldRecord(episodeIndex)`. */
  policy?: ReplayPolicy;
  /** File name of an episode (default `<envId>-ep000012.jsonl`). */
  fileName?: (episode: EpisodeRecord<unknown>) => string;
}

/**
 * A RecordEpisode sink that saves each (selected) episode as a replay file in `dir`:
 * `new RecordEpisode(env, replaySink('runs/replays'))`. `sink.paths` lists what it wrote.
 */
export function replaySink<A>(dir: string, options: ReplaySinkOptions = {}): EpisodeSink<A> & { paths: string[] } {
  const paths: string[] = [];
  const sink = (episode: EpisodeRecord<A>) => {
    if (options.policy && !options.policy.shouldRecord(episode.episodeIndex)) return;
    const name = options.fileName?.(episode as EpisodeRecord<unknown>) ?? defaultReplayName(episode.envId, episode.episodeIndex);
    paths.push(saveEpisodeReplay(join(dir, name), episode, options));
  };
  return Object.assign(sink, { paths });
}

/** `<envId>-ep000012.jsonl` (env id made file-safe). */
export function defaultReplayName(envId: string | null, episodeIndex: number): string {
  return `${(envId ?? 'env').replace(/[^\w.-]+/g, '_')}-ep${String(episodeIndex).padStart(6, '0')}.jsonl`;
}
