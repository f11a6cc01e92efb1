/** An RGBA image: `data` holds width * height * 4 bytes, row-major, top row first. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * The largest frame any renderer allocates: 2^26 pixels (256 MiB of RGBA, e.g. 8192 x 8192).
 * createFrame and resizeNearest refuse more before allocating; callers with their own
 * options (replay panel, stored frames, image upscaling) check tighter, named limits first.
 */
export const MAX_FRAME_PIXELS = 1 << 26;

/** Throw a RangeError unless width x height is a positive integer size within MAX_FRAME_PIXELS. */
export function checkFrameSize(width: number, height: number, what = 'frame'): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what} size must be positive integers, got ${width}x${height}`);
  }
  if (width * height > MAX_FRAME_PIXELS) throw new RangeError(`${what} size ${width}x${height} is ${width * height} pixels; the limit is ${MAX_FRAME_PIXELS} pixels (MAX_FRAME_PIXELS)`);
}

/** A new frame filled with one colour (default opaque black). */
export function createFrame(width: number, height: number, rgba: readonly number[] = [0, 0, 0, 255]): Frame {
  checkFrameSize(width, height);
  const frame = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  fillRect(frame, 0, 0, width, height, rgba);
  return frame;
}

/** Fill an axis-aligned rectangle, clipped to the frame. */
export function fillRect(frame: Frame, x: number, y: number, w: number, h: number, rgba: readonly number[]): void {
  const x0 = Math.max(0, Math.floor(x)), y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(frame.width, Math.floor(x + w)), y1 = Math.min(frame.height, Math.floor(y + h));
  if (x1 <= x0 || y1 <= y0) return;
  const d = frame.data;
  const r = rgba[0]!, g = rgba[1]!, b = rgba[2]!, a = rgba[3] ?? 255;
  // Write the first row, then copy it: copyWithin is much faster than per-pixel writes.
  const rowStart = (y0 * frame.width + x0) * 4;
  for (let i = rowStart, end = rowStart + (x1 - x0) * 4; i < end; i += 4) {
    d[i] = r; d[i + 1] = g; d[i + 2] = b; d[i + 3] = a;
  }
  const rowBytes = (x1 - x0) * 4;
  for (let y = y0 + 1; y < y1; y++) {
    const dst = (y * frame.width + x0) * 4;
    d.copyWithin(dst, rowStart, rowStart + rowBytes);
  }
}

/** Copy `src` into `dst` at (x, y), clipped; opaque copy (alpha is not blended). */
export function blit(dst: Frame, src: Frame, x: number, y: number): void {
  const x0 = Math.max(0, x), y0 = Math.max(0, y);
  const x1 = Math.min(dst.width, x + src.width), y1 = Math.min(dst.height, y + src.height);
  if (x1 <= x0 || y1 <= y0) return;
  const rowBytes = (x1 - x0) * 4;
  for (let yy = y0; yy < y1; yy++) {
    const s = ((yy - y) * src.width + (x0 - x)) * 4;
    dst.data.set(src.data.subarray(s, s + rowBytes), (yy * dst.width + x0) * 4);
  }
}

/** Draw `src` onto `dst` at (x, y) with source-over alpha blending, clipped. */
export function blend(dst: Frame, src: Frame, x: number, y: number): void {
  const x0 = Math.max(0, x), y0 = Math.max(0, y);
  const x1 = Math.min(dst.width, x + src.width), y1 = Math.min(dst.height, y + src.height);
  const s = src.data, d = dst.data;
  for (let yy = y0; yy < y1; yy++) {
    let si = ((yy - y) * src.width + (x0 - x)) * 4;
    let di = (yy * dst.width + x0) * 4;
    for (let xx = x0; xx < x1; xx++, si += 4, di += 4) {
      const a = s[si + 3]!;
      if (a === 0) continue;
      if (a === 255) {
        d[di] = s[si]!; d[di + 1] = s[si + 1]!; d[di + 2] = s[si + 2]!; d[di + 3] = 255;
      } else {
        const k = a / 255, ik = 1 - k;
        d[di] = s[si]! * k + d[di]! * ik;
        d[di + 1] = s[si + 1]! * k + d[di + 1]! * ik;
        d[di + 2] = s[si + 2]! * k + d[di + 2]! * ik;
        d[di + 3] = Math.max(d[di + 3]!, a);
      }
    }
  }
}

/** A deep copy of a frame (env frames may be reused buffers; copy to keep one). */
export function cloneFrame(frame: Frame): Frame {
  return { width: frame.width, height: frame.height, data: new Uint8ClampedArray(frame.data) };
}

/** True when both frames have the same size and bytes. */
export function framesEqual(a: Frame, b: Frame): boolean {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** True when `value` looks like a well-formed Frame. */
export function isFrame(value: unknown): value is Frame {
  if (value === null || typeof value !== 'object') return false;
  const f = value as Partial<Frame>;
  return Number.isSafeInteger(f.width) && Number.isSafeInteger(f.height) && f.data instanceof Uint8ClampedArray
    && f.width! > 0 && f.height! > 0 && f.data.length === f.width! * f.height! * 4;
}
