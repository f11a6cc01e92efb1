import type { Frame } from '../../envs/render/frame.js';
import { isFrame } from '../../envs/render/frame.js';
import { resizeFrame } from '../../envs/render/resize.js';
import type { ModelConfig } from './config.js';
import { visualTokens } from './config.js';
import { ModelError } from './errors.js';

/** Inputs per patch: RGB of patchSize x patchSize pixels (alpha is dropped). */
export function patchInputs(c: ModelConfig): number {
  return c.patchSize * c.patchSize * 3;
}

/**
 * Cut a frame into the model's patches: resize to imageSize (box filter when shrinking,
 * nearest when enlarging), then write each patch's RGB, scaled to [-1, 1], row-major
 * patch by patch into `out` (length visualTokens * patchInputs) at `offset`.
 */
export function framePatches(frame: Frame, c: ModelConfig, out?: Float32Array, offset = 0): Float32Array {
  if (!isFrame(frame)) throw new ModelError('image must be an RGBA Frame {width, height, data: Uint8ClampedArray}');
  const s = c.imageSize, p = c.patchSize, grid = s / p, per = patchInputs(c);
  const img = frame.width === s && frame.height === s ? frame : resizeFrame(frame, s, s);
  const dst = out ?? new Float32Array(visualTokens(c) * per);
  const d = img.data;
  let o = offset;
  for (let py = 0; py < grid; py++) {
    for (let px = 0; px < grid; px++) {
      for (let y = 0; y < p; y++) {
        let i = ((py * p + y) * s + px * p) * 4;
        for (let x = 0; x < p; x++, i += 4) {
          dst[o++] = d[i]! / 127.5 - 1; dst[o++] = d[i + 1]! / 127.5 - 1; dst[o++] = d[i + 2]! / 127.5 - 1;
        }
      }
    }
  }
  return dst;
}
