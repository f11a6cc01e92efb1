import { checkFrameSize, type Frame } from './frame.js';

/** Nearest-neighbour resize (crisp pixel art; use for upscaling tiles). */
export function resizeNearest(src: Frame, width: number, height: number, out?: Frame): Frame {
  if (!out) checkFrameSize(width, height, 'resized frame');
  const dst = out ?? { width, height, data: new Uint8ClampedArray(width * height * 4) };
  const s32 = new Uint32Array(src.data.buffer, src.data.byteOffset, src.width * src.height);
  const d32 = new Uint32Array(dst.data.buffer, dst.data.byteOffset, width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / height));
    const srow = sy * src.width, drow = y * width;
    for (let x = 0; x < width; x++) {
      d32[drow + x] = s32[srow + Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / width))]!;
    }
  }
  return dst;
}

/**
 * Box-filter (area average) resize: each output pixel averages the source pixels it
 * covers, with fractional weights at the edges. Use for downscaling without aliasing.
 */
export function resizeBox(src: Frame, width: number, height: number): Frame {
  checkFrameSize(width, height, 'resized frame');
  const dst: Frame = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  const sx = src.width / width, sy = src.height / height;
  const acc = new Float64Array(4);
  for (let y = 0; y < height; y++) {
    const fy0 = y * sy, fy1 = fy0 + sy;
    for (let x = 0; x < width; x++) {
      const fx0 = x * sx, fx1 = fx0 + sx;
      acc.fill(0);
      let total = 0;
      for (let yy = Math.floor(fy0); yy < Math.min(src.height, Math.ceil(fy1)); yy++) {
        const wy = Math.min(fy1, yy + 1) - Math.max(fy0, yy);
        for (let xx = Math.floor(fx0); xx < Math.min(src.width, Math.ceil(fx1)); xx++) {
          const w = wy * (Math.min(fx1, xx + 1) - Math.max(fx0, xx));
          const i = (yy * src.width + xx) * 4;
          acc[0]! += src.data[i]! * w; acc[1]! += src.data[i + 1]! * w; acc[2]! += src.data[i + 2]! * w; acc[3]! += src.data[i + 3]! * w;
          total += w;
        }
      }
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) dst.data[o + c] = Math.round(acc[c]! / total);
    }
  }
  return dst;
}

/** Resize with the filter that fits: nearest when enlarging, box when shrinking. */
export function resizeFrame(src: Frame, width: number, height: number): Frame {
  if (width === src.width && height === src.height) return { width, height, data: new Uint8ClampedArray(src.data) };
  return width >= src.width && height >= src.height ? resizeNearest(src, width, height) : resizeBox(src, width, height);
}
