// Shared by the observation wrappers that read Box members (frame stack, resize, grayscale).
import { InvalidOptionError } from '../errors.js';
import { Box, type BoxDtype, type Space } from '../spaces.js';

/** A flat typed array of one of Box's dtypes. */
export type BoxArray = Float32Array | Float64Array | Uint8Array | Int32Array;

/** A new zeroed typed array of `size` elements of `dtype`. */
export function boxArray(dtype: BoxDtype, size: number): BoxArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'uint8': return new Uint8Array(size);
    case 'int32': return new Int32Array(size);
  }
}

/**
 * The elements of a Box member: the array itself, or an RGBA frame's `data` (a Frame
 * `{ width, height, data }` is a member of a uint8 Box of shape [h, w, 4]).
 */
export function boxElements(value: unknown): ArrayLike<number> {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Array.isArray(value) && 'data' in value) {
    return (value as { data: ArrayLike<number> }).data;
  }
  return value as ArrayLike<number>;
}

/** The env's observation space as a Box, or an InvalidOptionError naming the wrapper. */
export function requireBox(space: Space, wrapper: string): Box {
  if (!(space instanceof Box)) throw new InvalidOptionError(`${wrapper} needs a Box observation space, got ${space.toString()}`);
  return space;
}

/**
 * The env's observation space as a uint8 image Box with bounds 0..255 and `ranks` dimensions
 * ([h, w] or [h, w, c]), as Gymnasium's image wrappers require; else an InvalidOptionError.
 */
export function requireImageBox(space: Space, wrapper: string, ranks: readonly number[]): Box {
  const box = requireBox(space, wrapper);
  if (!ranks.includes(box.shape.length)) throw new InvalidOptionError(`${wrapper} needs an image observation space of shape ${ranks.map((r) => (r === 2 ? '[h, w]' : '[h, w, c]')).join(' or ')}, got shape [${box.shape}]`);
  if (box.dtype !== 'uint8') throw new InvalidOptionError(`${wrapper} needs a uint8 observation space, got dtype ${box.dtype}`);
  if (box.low.some((v) => v !== 0) || box.high.some((v) => v !== 255)) throw new InvalidOptionError(`${wrapper} needs observation bounds 0 to 255`);
  return box;
}
