import type { Frame } from '../../render/frame.js';
import type { Env } from '../env.js';
import { InvalidOptionError } from '../errors.js';
import { Box, Dict, Space, Text } from '../spaces.js';
import { ObservationWrapper } from '../wrapper.js';

/**
 * How a state is shown: `text` (describe()), `image` (render()), `image+caption` (the
 * image with the text view as a caption) or `text+image` (both, text first).
 */
export type ObservationMode = 'text' | 'image' | 'image+caption' | 'text+image';
export const OBSERVATION_MODES: readonly ObservationMode[] = ['text', 'image', 'image+caption', 'text+image'];

/** A multimodal observation: the text view and/or the RGBA frame of one state. */
export interface MultimodalObservation {
  text?: string;
  image?: Frame;
}

export function parseObservationMode(mode: unknown): ObservationMode {
  if (typeof mode === 'string' && (OBSERVATION_MODES as readonly string[]).includes(mode)) return mode as ObservationMode;
  throw new InvalidOptionError(`observation mode must be one of ${OBSERVATION_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
}

/** True when the mode shows the image / the text view. */
export const modeHasImage = (mode: ObservationMode): boolean => mode !== 'text';
export const modeHasText = (mode: ObservationMode): boolean => mode !== 'image';

/**
 * Replaces the env's observation with its text view, its image, or both, so one task can
 * be posed text-only or multimodally. Frames are copies (safe to keep).
 */
export class ObservationModeWrapper<O, A> extends ObservationWrapper<O, A, MultimodalObservation> {
  readonly mode: ObservationMode;
  private space: Space<MultimodalObservation> | null = null;
  constructor(env: Env<O, A>, mode: ObservationMode) {
    super(env);
    this.mode = parseObservationMode(mode);
  }
  override get observationSpace(): Space<MultimodalObservation> {
    if (this.space) return this.space;
    const spaces: Record<string, Space> = {};
    if (modeHasText(this.mode)) spaces.text = new Text(1 << 20, 0, null);
    if (modeHasImage(this.mode)) {
      const f = this.env.render();
      spaces.image = new Box(0, 255, [f.height, f.width, 4], 'uint8');
    }
    this.space = new Dict(spaces) as unknown as Space<MultimodalObservation>;
    return this.space;
  }
  observation(): MultimodalObservation {
    const out: MultimodalObservation = {};
    if (modeHasText(this.mode)) out.text = this.env.describe();
    if (modeHasImage(this.mode)) {
      const f = this.env.render();
      out.image = { width: f.width, height: f.height, data: new Uint8ClampedArray(f.data) };
    }
    return out;
  }
}
