import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePng, writeFileAtomic } from '../envs/render/png.js';
import type { Frame } from '../envs/render/frame.js';
import { InvalidOptionError } from '../envs/core/errors.js';
import { ReplayFormatError } from './errors.js';
import { decodeStoredFrame, type Replay } from './format.js';
import { GifFrames, checkDelay } from './gif.js';
import { PanelRenderer, checkPanelOptions, panelContent, type PanelOptions } from './panel.js';
import { canSimulate, hasStoredFrames, makeReplayEnv, replayScaler, replayStates, type ReplayState, type ReplayStatesOptions } from './simulate.js';
import { cumulativeReturns } from './text.js';

export interface RenderReplayOptions extends PanelOptions, Pick<ReplayStatesOptions, 'source' | 'envOptions'> {
  /** Integer upscale of the game frame, or 'auto' (default): about 256-512 px on its long side. */
  scale?: number | 'auto';
  /** Draw steps whose re-simulation differs (with a red MISMATCH line) instead of throwing. */
  allowMismatch?: boolean;
}

/** The game frame's native size and the env's renderFps, from a quick probe (or the stored frames). */
export function probeReplay(replay: Replay, options: Pick<ReplayStatesOptions, 'source' | 'envOptions'> = {}): { width: number; height: number; renderFps: number | null; actionNames: readonly string[] | null } {
  const stored = options.source === 'stored' || ((options.source ?? 'auto') === 'auto' && !canSimulate(replay) && hasStoredFrames(replay));
  if (stored && replay.header.frame) {
    let f: Frame;
    try {
      f = decodeStoredFrame(replay.header.frame);
    } catch (e) {
      if (e instanceof RangeError) throw new ReplayFormatError(e.message, 1, replay.source);
      throw e;
    }
    return { width: f.width, height: f.height, renderFps: null, actionNames: replay.header.actionNames ?? null };
  }
  const env = makeReplayEnv(replay, options.envOptions);
  try {
    env.reset({ seed: replay.header.seed!, options: replay.header.resetOptions });
    const f = env.render();
    return { width: f.width, height: f.height, renderFps: env.metadata.renderFps ?? null, actionNames: replay.header.actionNames ?? env.actionNames ?? null };
  } finally {
    env.close();
  }
}

/** The 'auto' scale: the smallest integer that brings the long side to >= 256 px, keeping it <= 512 px. */
export function autoReplayScale(width: number, height: number): number {
  const long = Math.max(width, height);
  return Math.max(1, Math.min(Math.ceil(256 / long), Math.floor(512 / long), 16));
}

/** The 'auto' scale of a replay: the env's preferred replay scale, else `autoReplayScale`. */
export function autoScaleFor(replay: Replay, size: { width: number; height: number }): number {
  return replayScaler(replay.header.envId).autoScale ?? autoReplayScale(size.width, size.height);
}

/**
 * Calls `onFrame` with the annotated image of each state, start state first (steps + 1
 * images). The frame passed is a reused buffer: copy or encode it before returning.
 */
export function forEachAnnotatedFrame(replay: Replay, options: RenderReplayOptions, onFrame: (frame: Frame, state: ReplayState) => void): { width: number; height: number; count: number; renderFps: number | null } {
  checkPanelOptions(options);
  const probe = probeReplay(replay, options);
  replay = withActionNames(replay, probe.actionNames);
  const scale = options.scale === undefined || options.scale === 'auto' ? autoScaleFor(replay, probe) : options.scale;
  const returns = cumulativeReturns(replay);
  let panel: PanelRenderer | null = null;
  let count = 0;
  for (const state of replayStates(replay, { ...options, scale, frames: true, onMismatch: options.allowMismatch ? 'collect' : 'throw' })) {
    const game = state.frame!;
    panel ??= new PanelRenderer(game.width, game.height, options);
    // A later frame of another size (an env that resizes) is fitted by clipping; keep the first size.
    onFrame(panel.draw(game, panelContent(replay, state.index, returns, state.mismatches)), state);
    count++;
  }
  return { width: panel!.width, height: panel!.height, count, renderFps: probe.renderFps };
}

/** Write one annotated PNG per state into `dir` (step-0000.png is the start state). Returns the paths. */
export async function writeReplayPngs(replay: Replay, dir: string, options: RenderReplayOptions = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const jobs: Promise<void>[] = [];
  const paths: string[] = [];
  const digits = Math.max(4, String(replay.steps.length).length);
  forEachAnnotatedFrame(replay, options, (frame, state) => {
    const copy = { width: frame.width, height: frame.height, data: new Uint8ClampedArray(frame.data) };
    const path = join(dir, `step-${String(state.index).padStart(digits, '0')}.png`);
    paths.push(path);
    jobs.push(encodePng(copy, { compressionLevel: 6 }).then((png) => writeFileAtomic(path, png)));
  });
  await Promise.all(jobs);
  return paths;
}

export { GifFrames, encodeGif, type GifOptions } from './gif.js';

export interface ReplayGifOptions extends RenderReplayOptions {
  /** Milliseconds per frame (default: 1000 / the env's renderFps, else 250). */
  delay?: number;
  /** Hold the last frame this many times longer (default 4). */
  holdLast?: number;
  /** Loop count (0 = forever, the default). */
  loop?: number;
  /** Keep every Nth state (the last state is always kept); default 1. For long episodes. */
  stride?: number;
  /** Colours of the animation's palette, 2..256 (default 64). */
  colours?: number;
}

/** Encode the annotated frames as one animated GIF (sharp). Returns the bytes and the frame count. */
export async function encodeReplayGif(replay: Replay, options: ReplayGifOptions = {}): Promise<{ gif: Buffer; frames: number; width: number; height: number; delay: number }> {
  const stride = options.stride ?? 1;
  if (!Number.isSafeInteger(stride) || stride < 1) throw new InvalidOptionError(`GIF stride must be a positive integer, got ${stride}`);
  const last = replay.steps.length;
  const keep = (i: number) => i % stride === 0 || i === last;
  let count = 0;
  for (let i = 0; i <= last; i++) if (keep(i)) count++;
  const gif = new GifFrames(count);
  const info = forEachAnnotatedFrame(replay, options, (frame, state) => { if (keep(state.index)) gif.add(frame); });
  const delay = checkDelay(options.delay ?? Math.round(1000 / (info.renderFps && info.renderFps > 0 ? info.renderFps : 4)));
  const bytes = await gif.encode({ ...options, delay });
  return { gif: bytes, frames: count, width: info.width, height: info.height, delay };
}

/** Encode and write the GIF atomically. */
export async function writeReplayGif(replay: Replay, path: string, options: ReplayGifOptions = {}): Promise<{ frames: number; width: number; height: number; delay: number; bytes: number }> {
  const { gif, ...rest } = await encodeReplayGif(replay, options);
  await writeFileAtomic(path, gif);
  return { ...rest, bytes: gif.length };
}

/** The replay with header.actionNames filled from the env when the file has none (for labels). */
export function withActionNames(replay: Replay, names: readonly string[] | null): Replay {
  if (replay.header.actionNames || !names) return replay;
  return { ...replay, header: { ...replay.header, actionNames: [...names] } };
}
