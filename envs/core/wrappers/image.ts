import type { Env } from '../env.js';
import { InvalidOptionError, describeValue } from '../errors.js';
import { Box, type Space } from '../spaces.js';
import { ObservationWrapper } from '../wrapper.js';
import { boxElements, requireImageBox } from './box-data.js';
import { checkFrameSize } from '../../render/frame.js';

/** One axis of an area resize: for each output index, the source indices it covers and their weights. */
interface AreaTaps {
  start: Int32Array;
  count: Int32Array;
  weight: Float64Array;
  index: Int32Array;
}

function areaTaps(src: number, dst: number): AreaTaps {
  const scale = src / dst;
  const start = new Int32Array(dst), count = new Int32Array(dst);
  const index: number[] = [], weight: number[] = [];
  for (let o = 0; o < dst; o++) {
    const f0 = o * scale, f1 = f0 + scale;
    start[o] = index.length;
    for (let s = Math.floor(f0); s < Math.min(src, Math.ceil(f1)); s++) {
      const w = (Math.min(f1, s + 1) - Math.max(f0, s)) / scale;
      if (w > 0) { index.push(s); weight.push(w); }
    }
    count[o] = index.length - start[o]!;
  }
  return { start, count, weight: Float64Array.from(weight), index: Int32Array.from(index) };
}

/**
 * Gymnasium's ResizeObservation: resizes image observations to `[height, width]` by area
 * averaging (each output pixel is the mean of the source area it covers, fractional pixels
 * weighted, rounded half up: OpenCV's INTER_AREA, which Gymnasium uses, when shrinking).
 * Needs a uint8 Box with bounds 0..255 of shape [h, w] or [h, w, c] (an RGBA Frame is
 * [h, w, 4]); the observation becomes a flat Uint8Array of shape [height, width, (c)].
 * The source taps and weights are computed once; a step allocates only its output.
 */
export class ResizeObservation<O, A> extends ObservationWrapper<O, A, Uint8Array> {
  readonly shape: readonly [number, number];
  private readonly space: Box;
  private readonly channels: number;
  private readonly srcWidth: number;
  private readonly rows: AreaTaps;
  private readonly cols: AreaTaps;
  private readonly acc: Float64Array;

  constructor(env: Env<O, A>, shape: readonly [number, number]) {
    super(env);
    const box = requireImageBox(env.observationSpace, 'ResizeObservation', [2, 3]);
    if (!Array.isArray(shape) || shape.length !== 2) throw new InvalidOptionError(`ResizeObservation shape must be [height, width], got ${describeValue(shape)}`);
    const [height, width] = shape as [number, number];
    try {
      checkFrameSize(width, height, 'ResizeObservation shape');
    } catch (e) {
      throw new InvalidOptionError((e as Error).message);
    }
    this.shape = [height, width];
    this.channels = box.shape[2] ?? 1;
    this.srcWidth = box.shape[1]!;
    this.rows = areaTaps(box.shape[0]!, height);
    this.cols = areaTaps(box.shape[1]!, width);
    this.acc = new Float64Array(this.channels);
    this.space = new Box(0, 255, box.shape.length === 3 ? [height, width, this.channels] : [height, width], 'uint8');
  }

  /** A uint8 Box of shape `[height, width]` or `[height, width, c]`. */
  override get observationSpace(): Space<Uint8Array> {
    return this.space as unknown as Space<Uint8Array>;
  }

  observation(observation: O): Uint8Array {
    const src = boxElements(observation);
    const [height, width] = this.shape;
    const c = this.channels, acc = this.acc, rows = this.rows, cols = this.cols;
    const out = new Uint8Array(height * width * c);
    for (let y = 0; y < height; y++) {
      const r0 = rows.start[y]!, rn = rows.count[y]!;
      for (let x = 0; x < width; x++) {
        const c0 = cols.start[x]!, cn = cols.count[x]!;
        acc.fill(0);
        for (let i = r0; i < r0 + rn; i++) {
          const rowBase = rows.index[i]! * this.srcWidth, wy = rows.weight[i]!;
          for (let j = c0; j < c0 + cn; j++) {
            const w = wy * cols.weight[j]!, base = (rowBase + cols.index[j]!) * c;
            for (let k = 0; k < c; k++) acc[k]! += src[base + k]! * w;
          }
        }
        const o = (y * width + x) * c;
        // The weights sum to 1 up to rounding: nudge so that an exact .5 rounds up, never down.
        for (let k = 0; k < c; k++) out[o + k] = Math.min(255, Math.floor(acc[k]! + 0.5 + 1e-9));
      }
    }
    return out;
  }
}

/** Gymnasium's (scikit-image's) luminance weights for R, G and B. */
export const GRAYSCALE_WEIGHTS: readonly [number, number, number] = [0.2125, 0.7154, 0.0721];

/**
 * Gymnasium's GrayscaleObservation: `r * 0.2125 + g * 0.7154 + b * 0.0721`, truncated to an
 * integer (numpy's astype(uint8)), per pixel. Needs a uint8 Box with bounds 0..255 of shape
 * [h, w, 3] or, unlike Gymnasium, [h, w, 4] (an RGBA Frame; alpha is ignored). The
 * observation becomes a flat Uint8Array of shape [h, w] (or [h, w, 1] with `keepDim`).
 */
export class GrayscaleObservation<O, A> extends ObservationWrapper<O, A, Uint8Array> {
  readonly keepDim: boolean;
  private readonly space: Box;
  private readonly pixels: number;
  private readonly channels: number;

  constructor(env: Env<O, A>, keepDim = false) {
    super(env);
    const box = requireImageBox(env.observationSpace, 'GrayscaleObservation', [3]);
    if (box.shape[2] !== 3 && box.shape[2] !== 4) throw new InvalidOptionError(`GrayscaleObservation needs 3 (RGB) or 4 (RGBA) channels, got shape [${box.shape}]`);
    this.keepDim = keepDim;
    this.channels = box.shape[2];
    this.pixels = box.shape[0]! * box.shape[1]!;
    this.space = new Box(0, 255, keepDim ? [box.shape[0]!, box.shape[1]!, 1] : [box.shape[0]!, box.shape[1]!], 'uint8');
  }

  /** A uint8 Box of shape `[h, w]` (or `[h, w, 1]` with keepDim). */
  override get observationSpace(): Space<Uint8Array> {
    return this.space as unknown as Space<Uint8Array>;
  }

  observation(observation: O): Uint8Array {
    const src = boxElements(observation);
    const out = new Uint8Array(this.pixels);
    const c = this.channels;
    const [wr, wg, wb] = GRAYSCALE_WEIGHTS;
    for (let p = 0, i = 0; p < this.pixels; p++, i += c) out[p] = src[i]! * wr + src[i + 1]! * wg + src[i + 2]! * wb;
    return out;
  }
}
