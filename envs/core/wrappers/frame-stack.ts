import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { InvalidOptionError, describeValue } from '../errors.js';
import { Box, type Space } from '../spaces.js';
import { Wrapper } from '../wrapper.js';
import { type BoxArray, boxArray, boxElements, requireBox } from './box-data.js';

/** What fills the stack at reset: the reset observation repeated, zeros (clipped into the bounds), or a given observation. */
export type FramePadding = 'reset' | 'zero' | ArrayLike<number>;

/**
 * Gymnasium's FrameStackObservation: the observation becomes the last `stackSize`
 * observations, oldest first, as one flat typed array of the Box's dtype (shape
 * `[stackSize, ...shape]`, row-major). At reset the `stackSize - 1` older slots hold the
 * padding: the reset observation itself (`'reset'`, the default), zeros (`'zero'`: 0 clipped
 * into [low, high]) or a given member of the observation space.
 *
 * Box observation spaces only (Frame observations included). Each step writes into one
 * internal buffer and returns a copy of it (the caller may keep it): one allocation per step.
 */
export class FrameStackObservation<O, A> extends Wrapper<O, A, BoxArray, A> {
  readonly stackSize: number;
  readonly paddingType: 'reset' | 'zero' | 'custom';
  private readonly space: Box;
  private readonly single: Box;
  private readonly stack: BoxArray;
  private readonly padding: BoxArray;

  constructor(env: Env<O, A>, stackSize: number, options: { paddingType?: FramePadding } = {}) {
    super(env);
    this.single = requireBox(env.observationSpace, 'FrameStackObservation');
    if (!Number.isSafeInteger(stackSize) || stackSize <= 0) throw new InvalidOptionError(`stackSize must be a positive integer, got ${describeValue(stackSize)}`);
    this.stackSize = stackSize;
    const { size, dtype } = this.single;
    const low = new Array<number>(size * stackSize), high = new Array<number>(size * stackSize);
    for (let k = 0; k < stackSize; k++) {
      for (let i = 0; i < size; i++) { low[k * size + i] = this.single.low[i]!; high[k * size + i] = this.single.high[i]!; }
    }
    this.space = new Box(low, high, [stackSize, ...this.single.shape], dtype);
    this.stack = boxArray(dtype, size * stackSize);
    this.padding = boxArray(dtype, size);
    const padding = options.paddingType ?? 'reset';
    if (padding === 'reset' || padding === 'zero') {
      this.paddingType = padding;
      for (let i = 0; i < size; i++) this.padding[i] = Math.min(this.single.high[i]!, Math.max(this.single.low[i]!, 0));
    } else if (typeof padding === 'object' && padding !== null && this.single.contains(padding)) {
      this.paddingType = 'custom';
      this.padding.set(boxElements(padding));
    } else {
      const why = typeof padding === 'string' ? 'expected "reset", "zero"' : `not in the observation space (${this.single.explain(padding)}); expected "reset", "zero"`;
      throw new InvalidOptionError(`paddingType ${describeValue(padding)}: ${why} or a member of the observation space`);
    }
  }

  /** A Box of shape `[stackSize, ...shape]`, the single bounds repeated. */
  override get observationSpace(): Space<BoxArray> {
    return this.space as unknown as Space<BoxArray>;
  }

  override reset(options?: ResetOptions): ResetResult<BoxArray> {
    const r = this.env.reset(options);
    const obs = boxElements(r.observation);
    const size = this.single.size;
    const pad = this.paddingType === 'reset' ? obs : this.padding;
    for (let k = 0; k < this.stackSize - 1; k++) this.stack.set(pad, k * size);
    this.stack.set(obs, (this.stackSize - 1) * size);
    return { observation: this.stack.slice(), info: r.info };
  }

  override step(action: A): StepResult<BoxArray> {
    const r = this.env.step(action);
    const size = this.single.size;
    this.stack.copyWithin(0, size);
    this.stack.set(boxElements(r.observation), (this.stackSize - 1) * size);
    return { observation: this.stack.slice(), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }
}
