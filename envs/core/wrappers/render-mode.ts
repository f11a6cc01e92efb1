import { cloneFrame, type Frame } from '../../render/frame.js';
import type { Env, EnvMetadata, EnvSpec, ResetOptions, ResetResult, StepResult } from '../env.js';
import { InvalidOptionError } from '../errors.js';
import type { Space } from '../spaces.js';

/**
 * What `render()` returns, by Gymnasium's render modes: `rgb_array` a Frame (every env's
 * `render()`, the default), `ansi` the text view (`describe()`), `rgb_array_list` /
 * `ansi_list` every frame / text view since the last `render()` or `reset()` (Gymnasium's
 * RenderCollection), and `null` nothing. Gymnasium's `human` (a window) has no library
 * equivalent: use `lmm-gym watch` or `lmm-gym play`.
 */
export type RenderMode = 'rgb_array' | 'ansi' | 'rgb_array_list' | 'ansi_list';
export const RENDER_MODES: readonly RenderMode[] = ['rgb_array', 'ansi', 'rgb_array_list', 'ansi_list'];

/** The type `render()` returns in render mode M. */
export type RenderOutput<M extends RenderMode | null> =
  M extends 'rgb_array' ? Frame : M extends 'ansi' ? string : M extends 'rgb_array_list' ? Frame[] : M extends 'ansi_list' ? string[] : null;

/** A render mode option: one of RENDER_MODES or null; undefined (not given) stays undefined. */
export function parseRenderMode(mode: unknown): RenderMode | null | undefined {
  if (mode === undefined || mode === null) return mode;
  if (typeof mode === 'string' && (RENDER_MODES as readonly string[]).includes(mode)) return mode as RenderMode;
  const hint = mode === 'human' ? ' ("human" opens no window in a library: use `lmm-gym watch` or `lmm-gym play`)' : '';
  throw new InvalidOptionError(`renderMode must be one of ${RENDER_MODES.join(', ')} or null, got ${JSON.stringify(mode)}${hint}`);
}

/**
 * An env whose `render()` returns what its render mode says (see RenderMode); everything
 * else is forwarded. `make(id, { renderMode })` puts it outermost. It is not an `Env`
 * unless the mode is `rgb_array` (an Env's `render()` returns a Frame), so wrappers,
 * LanguageEnv, checkEnv and replays refuse it: wrap first, choose the render mode last, or
 * use `.env` for the env underneath. The list modes copy one frame (or text view) after
 * each reset and step, and only then.
 */
export class RenderModeEnv<O, A, M extends RenderMode | null> {
  private collected: (Frame | string)[] = [];
  readonly renderMode: M;

  constructor(readonly env: Env<O, A>, renderMode: M) {
    this.renderMode = parseRenderMode(renderMode) as M;
    if (this.renderMode === undefined) throw new InvalidOptionError('renderMode is required (one of rgb_array, ansi, rgb_array_list, ansi_list or null)');
  }

  get actionSpace(): Space<A> { return this.env.actionSpace; }
  get observationSpace(): Space<O> { return this.env.observationSpace; }
  get metadata(): EnvMetadata { return this.env.metadata; }
  get actionNames(): readonly string[] | undefined { return this.env.actionNames; }
  get spec(): EnvSpec | undefined { return this.env.spec; }
  set spec(spec: EnvSpec | undefined) { this.env.spec = spec; }
  get unwrapped(): Env { return this.env.unwrapped; }

  reset(options?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(options);
    if (this.collected.length > 0) this.collected = [];
    this.collect();
    return r;
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.collect();
    return r;
  }

  render(): RenderOutput<M> {
    const mode = this.renderMode as RenderMode | null;
    if (mode === 'rgb_array') return this.env.render() as RenderOutput<M>;
    if (mode === 'ansi') return this.env.describe() as RenderOutput<M>;
    if (mode === null) return null as RenderOutput<M>;
    const out = this.collected;
    this.collected = [];
    return out as RenderOutput<M>;
  }

  describe(): string { return this.env.describe(); }
  close(): void { this.env.close(); }

  private collect(): void {
    if (this.renderMode === 'rgb_array_list') this.collected.push(cloneFrame(this.env.render()));
    else if (this.renderMode === 'ansi_list') this.collected.push(this.env.describe());
  }
}

/**
 * Throw unless `env.render()` returns a Frame: code that needs frames (wrappers,
 * LanguageEnv, checkEnv) calls this on the env it is given, so an env made with another
 * renderMode (through untyped options) fails here with a clear message.
 */
export function assertRendersFrames(env: unknown, who: string): void {
  if (env instanceof RenderModeEnv && env.renderMode !== 'rgb_array') {
    throw new InvalidOptionError(`${who} needs an env whose render() returns a Frame, got one made with renderMode ${JSON.stringify(env.renderMode)}; apply ${who} first and choose the render mode last (new RenderModeEnv(env, mode)), or use its .env`);
  }
}
