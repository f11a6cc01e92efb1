// Animated GIFs from RGBA frames (sharp): the encoder behind replay GIFs (render.ts),
// `lmm-gym demo` and scripts/readme-media.ts. Kept apart from render.ts so that plain-frame
// users do not load the replay machinery.
import sharp from 'sharp';
import { InvalidOptionError } from '../envs/core/errors.js';
import type { Frame } from '../envs/render/frame.js';
import { reducePalette } from './palette.js';

/** Largest raw frame buffer a GIF may need (frames are held in memory for sharp). */
const GIF_MAX_BYTES = 1.5 * 2 ** 30;

/** A GIF frame delay: an integer number of ms in [10, 65535], or an InvalidOptionError. */
export function checkDelay(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 10 || ms > 65535) throw new InvalidOptionError(`GIF delay must be an integer number of milliseconds in [10, 65535], got ${ms}`);
  return ms;
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

