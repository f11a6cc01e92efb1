import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodePng, writeFileAtomic } from '../envs/render/png.js';
import type { Frame } from '../envs/render/frame.js';
import { InvalidOptionError } from '../envs/core/errors.js';
import { ReplayFormatError } from './errors.js';
import { decodeStoredFrame, type Replay } from './format.js';
import { reducePalette } from './palette.js';
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

/** Options of `encodeGif` / `GifFrames.encode`. */
export interface GifOptions {
  /** Milliseconds per frame (10..65535; default 100). */
  delay?: number;
  /** Hold the last frame this many times longer (default 4). */
  holdLast?: number;
  /** Loop count (0 = forever, the default). */
  loop?: number;
  /** Colours of the animation's palette, 2..256 (default 64). */
  colours?: number;
}

/**
 * Frames collected for one animated GIF: all go into one tall RGB buffer (GIF has no use
 * for alpha; `count` is known up front), then one palette for the whole animation is
 * chosen (see reducePalette: fast, stable colours) and sharp cuts it into pages. Every
 * frame has the first frame's size (a larger one is clipped, a smaller one padded black).
 */
export class GifFrames {
  private big: Buffer | null = null;
  private k = 0;
  width = 0;
  height = 0;
  constructor(readonly count: number) {
    if (!Number.isSafeInteger(count) || count < 1) throw new InvalidOptionError(`a GIF needs at least one frame, got ${count}`);
  }

  /** Copy one frame in (the caller may reuse its buffer). */
  add(frame: Frame): void {
    if (this.k >= this.count) throw new InvalidOptionError(`GIF: more than the ${this.count} frames announced`);
    if (!this.big) {
      this.width = frame.width; this.height = frame.height;
      const bytes = frame.width * frame.height * 3;
      if (bytes * this.count > GIF_MAX_BYTES) throw new InvalidOptionError(`a ${this.count}-frame GIF of ${frame.width}x${frame.height} needs ${Math.round((bytes * this.count) / 2 ** 20)} MiB; use a stride (--stride N keeps every Nth state) or a smaller --scale`);
      this.big = Buffer.alloc(bytes * this.count);
    }
    const W = this.width, H = this.height, out = this.big, d = frame.data;
    const base = this.k * W * H * 3;
    const w = Math.min(W, frame.width), h = Math.min(H, frame.height);
    for (let y = 0; y < h; y++) {
      for (let x = 0, i = y * frame.width * 4, o = base + y * W * 3; x < w; x++, i += 4, o += 3) { out[o] = d[i]!; out[o + 1] = d[i + 1]!; out[o + 2] = d[i + 2]!; }
    }
    this.k++;
  }

  /** The GIF bytes of the frames added so far. */
  async encode(options: GifOptions = {}): Promise<Buffer> {
    if (!this.big || this.k === 0) throw new InvalidOptionError('GIF: no frames');
    const count = this.k;
    const big = count === this.count ? this.big : this.big.subarray(0, count * this.width * this.height * 3);
    const colours = options.colours ?? 64;
    if (!Number.isSafeInteger(colours) || colours < 2 || colours > 256) throw new InvalidOptionError(`GIF colours must be an integer in [2, 256], got ${colours}`);
    reducePalette(big, colours);
    const delay = checkDelay(options.delay ?? 100);
    const hold = options.holdLast ?? 4;
    const delays = Array.from({ length: count }, (_, i) => (i === count - 1 ? Math.min(65535, delay * hold) : delay));
    return sharp(big, { raw: { width: this.width, height: this.height * count, channels: 3, pageHeight: this.height }, limitInputPixels: false })
      .gif({ delay: delays, loop: options.loop ?? 0, colours: 256, effort: 1, dither: 0, keepDuplicateFrames: true })
      .toBuffer();
  }
}

/** Encode frames (all of one size) as an animated GIF. */
export async function encodeGif(frames: readonly Frame[], options: GifOptions = {}): Promise<Buffer> {
  const gif = new GifFrames(frames.length);
  for (const f of frames) gif.add(f);
  return gif.encode(options);
}

/** Largest raw frame buffer a GIF may need (frames are held in memory for sharp). */
const GIF_MAX_BYTES = 1.5 * 2 ** 30;

/** Encode and write the GIF atomically. */
export async function writeReplayGif(replay: Replay, path: string, options: ReplayGifOptions = {}): Promise<{ frames: number; width: number; height: number; delay: number; bytes: number }> {
  const { gif, ...rest } = await encodeReplayGif(replay, options);
  await writeFileAtomic(path, gif);
  return { ...rest, bytes: gif.length };
}

function checkDelay(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 10 || ms > 65535) throw new InvalidOptionError(`GIF delay must be an integer number of milliseconds in [10, 65535], got ${ms}`);
  return ms;
}

/** The replay with header.actionNames filled from the env when the file has none (for labels). */
export function withActionNames(replay: Replay, names: readonly string[] | null): Replay {
  if (replay.header.actionNames || !names) return replay;
  return { ...replay, header: { ...replay.header, actionNames: [...names] } };
}
