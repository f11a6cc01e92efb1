import { BaseEnv, type Env, type Info, type ResetResult, type StepResult } from '../core/env.js';
import { InvalidActionError, InvalidOptionError, LmmGymError, describeValue } from '../core/errors.js';
import { Box, Discrete, type Space } from '../core/spaces.js';
import type { Frame } from '../render/frame.js';
import { columnHeader, describeSokoban } from './describe.js';
import { SOKOBAN_ACTIONS, SokobanGame } from './game.js';
import { generateLevel, generateOptionsProblem, type GenerateOptions } from './generator.js';
import { CELL, cloneLevel, levelProblem, parseBoxoban, parseLevel, type SokobanLevel } from './level.js';
import { SokobanRenderer } from './render.js';
import { SokobanLevelSet } from './held-out.js';
import { solveSokoban } from './solver.js';
import { maxOf } from '../core/arrays.js';

/** Where an env's levels come from: called at every reset. */
export interface LevelSource {
  /** Grid size of every level it yields (the observation shape). */
  readonly width: number;
  readonly height: number;
  /** The next level; `draw()` gives a fresh seed from the env's generator. */
  next(options: Record<string, unknown>, draw: () => number): SokobanLevel;
  /** Positions this source never starts from on its own (a test set); see SokobanLevelSet. */
  readonly heldOut?: SokobanLevelSet | null;
}

/**
 * The step reward: 'gym' (gym-sokoban's, default) or 'progress', a dense, rule-based
 * per-turn signal for RL (issue 12) that the solver checks as a verifier checks an answer:
 *
 *   r_t = phi(s_t+1) - phi(s_t),   phi(s) = -(optimal moves left from s),
 *                                  phi(unsolvable) = -(optimal moves of the start + 1)
 *
 * so a move on a shortest solution earns +1 (the solving move included), a bump into a wall
 * 0, a detour -1 (or less, after a push that makes the way longer), and a push into a
 * deadlock scores as a position one move farther than the start: from nearer than the
 * start it gives back all progress so far and one more (from farther, after detours, it
 * even scores positive: a known flaw, issue 12 note). Potential-based (Ng et al., 1999):
 * an episode's rewards add up to phi(end) - phi(start), so no loop earns anything. (The
 * first version paid 1 per shortest-solution move and 0 otherwise; RL farmed it by
 * stepping back and forth: optimal moves per episode rose from 2.8 to 8.9 in 10 updates
 * while success fell from 22% to 16%.) One solver call per moving step.
 */
export const SOKOBAN_REWARDS = ['gym', 'progress'] as const;
export type SokobanReward = (typeof SOKOBAN_REWARDS)[number];

export interface SokobanEnvOptions {
  maxSteps: number;
  tileSize: number;
  /** Step reward (default 'gym'); see SOKOBAN_REWARDS. */
  reward?: SokobanReward;
  /** The text view also lists the inner walls' coordinates (default false; see describeSokoban). */
  listWalls?: boolean;
}

/**
 * The solver's budget for the progress reward: nodes only, no clock, so the reward is
 * the same on every machine. A position it cannot settle within it counts as unsolvable.
 */
const MOVES_LEFT_BUDGET = { maxNodes: 500_000, timeLimitMs: Number.POSITIVE_INFINITY };

/**
 * Sokoban (rules and rewards of gym-sokoban, move-only actions): push every box onto a
 * target. Actions 0..3 = up, down, left, right; a move into a box pushes it when the
 * cell beyond is free. Reward per step -0.1, +1 for a box pushed onto a target, -1 for
 * one pushed off, +10 when all are on targets (then `terminated`). The env truncates
 * itself after `maxSteps` steps.
 *
 * Observation: a fresh Uint8Array(height * width) of cell codes (CELL: 0 wall, 1 floor,
 * 2 target, 3 box on target, 4 box, 5 player, 6 player on target), in a uint8 Box of
 * shape [height, width] (grids over 64 cells come as views of a shared slab: see observe()). `render()` and `describe()` give the image and text views.
 *
 * The oracle and plan tools read the position with `currentLevel()` / `initialLevel()`
 * (reach them through wrappers with `sokobanEnvOf(env)`).
 */
export class SokobanEnv extends BaseEnv<Uint8Array, number> {
  readonly actionSpace = new Discrete(4);
  /** A uint8 Box of shape [height, width] with values 0..6. */
  readonly observationSpace: Space<Uint8Array>;
  override readonly actionNames = SOKOBAN_ACTIONS;
  override readonly metadata = { renderModes: ['rgb_array', 'text'], renderFps: 4 };
  readonly game = new SokobanGame();
  private start: SokobanLevel | null = null;
  private steps = 0;
  private lastAction: number | null = null;
  private readonly renderer: SokobanRenderer;
  private readonly header: string;
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  /** Optimal moves left from the current position (-1: unsolvable), for reward 'progress'; null = not computed yet. */
  private movesLeft: number | null = null;
  /** Optimal moves left at the episode's start (reward 'progress': the potential of an unsolvable position). */
  private startMovesLeft = -1;

  constructor(readonly source: LevelSource, readonly envOptions: SokobanEnvOptions) {
    super();
    const { maxSteps, tileSize } = envOptions;
    if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new InvalidOptionError(`Sokoban maxSteps must be a positive integer, got ${describeValue(maxSteps)}`);
    if (!Number.isSafeInteger(tileSize) || tileSize < 4 || tileSize > 128) throw new InvalidOptionError(`Sokoban tileSize must be an integer in [4, 128], got ${describeValue(tileSize)}`);
    const reward = envOptions.reward ?? 'gym';
    if (!(SOKOBAN_REWARDS as readonly string[]).includes(reward)) throw new InvalidOptionError(`Sokoban reward must be one of ${SOKOBAN_REWARDS.join(', ')}, got ${describeValue(reward)}`);
    if (envOptions.listWalls !== undefined && typeof envOptions.listWalls !== 'boolean') throw new InvalidOptionError(`Sokoban listWalls must be true or false, got ${describeValue(envOptions.listWalls)}`);
    this.observationSpace = new Box(0, 6, [source.height, source.width], 'uint8') as unknown as Space<Uint8Array>;
    this.renderer = new SokobanRenderer(tileSize);
    this.header = columnHeader(source.width);
  }

  protected onReset(options: Record<string, unknown>): ResetResult<Uint8Array> {
    const level = this.source.next(options, () => this.rng.childSeed());
    this.start = level;
    this.game.load(level);
    this.steps = 0;
    this.lastAction = null;
    this.movesLeft = null;
    return {
      observation: this.observe(),
      info: { levelId: level.id ?? null, optimalMoves: level.optimalMoves, boxesOnTarget: this.game.boxesOnTarget, success: this.game.solved },
    };
  }

  protected onStep(action: number): StepResult<Uint8Array> {
    if (action !== 0 && action !== 1 && action !== 2 && action !== 3) throw new InvalidActionError(`Sokoban action must be 0..3 (up, down, left, right), got ${describeValue(action)}`);
    const game = this.game;
    const progress = this.envOptions.reward === 'progress';
    const before = progress ? this.movesLeftNow() : 0;
    if (progress && this.steps === 0) this.startMovesLeft = before;
    const tenths = game.move(action);
    this.steps++;
    this.lastAction = action;
    const solved = game.boxesOnTarget === game.boxes;
    const info: Info = {
      actionIsValid: game.lastValid,
      actionIsEffective: game.lastValid,
      pushed: game.lastPushed,
      boxesOnTarget: game.boxesOnTarget,
      success: solved,
    };
    let reward = tenths / 10;
    if (progress) {
      this.movesLeft = solved ? 0 : game.lastValid ? null : before;
      const after = this.movesLeftNow();
      info.optimalMove = before > 0 && after === before - 1;
      info.movesLeft = after;
      reward = this.potential(after) - this.potential(before);
    }
    return { observation: this.observe(), reward, terminated: solved, truncated: !solved && this.steps >= this.envOptions.maxSteps, info };
  }

  /** phi of reward 'progress' for `left` optimal moves left (-1: unsolvable, scored one move past the start). */
  private potential(left: number): number {
    return left >= 0 ? -left : -(this.startMovesLeft + 1);
  }

  /** Optimal moves left from the current position (-1: unsolvable or past the budget), cached until the position changes. */
  private movesLeftNow(): number {
    let left = this.movesLeft;
    if (left === null) {
      // The start's own value when the generator computed it (a file's claim is re-checked).
      const known = this.steps === 0 && this.start?.movesFrom === undefined ? this.start?.optimalMoves : null;
      if (typeof known === 'number' && known >= 0) left = known;
      else {
        const r = solveSokoban(this.game.toLevel(), MOVES_LEFT_BUDGET);
        left = r.status === 'solved' ? r.moves : -1;
      }
      this.movesLeft = left;
    }
    return left;
  }

  /**
   * A fresh copy of the grid. V8 allocates typed arrays over 64 bytes off-heap (about
   * 1 us each), so bigger grids are copied into views of a shared 2 KiB slab instead:
   * each observation is still its own array that no later step changes, but its
   * `.buffer` is the slab (use `obs.slice()` to get a compact standalone copy).
   */
  private observe(): Uint8Array {
    const cells = this.game.cells, n = cells.length;
    if (n <= 64) return cells.slice();
    if (this.slabUsed + n > this.slab.length) { this.slab = new Uint8Array(Math.max(n, 2048)); this.slabUsed = 0; }
    const obs = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    obs.set(cells);
    return obs;
  }

  /** The image view; the frame is reused between calls (copy it to keep it). */
  render(): Frame {
    return this.renderer.render(this.game.cells, this.game.width, this.game.height);
  }

  describe(): string {
    return describeSokoban(this.game, { step: this.steps, maxSteps: this.envOptions.maxSteps, lastAction: this.lastAction, listWalls: this.envOptions.listWalls === true }, this.header);
  }

  /** The position now, as a level (a copy). Its optimalMoves is known only before the first step. */
  currentLevel(): SokobanLevel {
    const level = this.game.toLevel(this.start?.id);
    if (this.steps === 0 && this.start) {
      level.optimalMoves = this.start.optimalMoves;
      if (this.start.movesFrom !== undefined) level.movesFrom = this.start.movesFrom;
    }
    return level;
  }

  /** The level the episode started from (a copy, with its optimalMoves when known). */
  /** True when the current position is in the source's held-out set (a test level). */
  inHeldOutSet(): boolean {
    return this.source.heldOut ? this.source.heldOut.has(this.game.toLevel()) : false;
  }

  initialLevel(): SokobanLevel {
    if (!this.start) throw new LmmGymError('initialLevel() called before reset()');
    return cloneLevel(this.start);
  }

  /** Steps taken in this episode. */
  get elapsedSteps(): number {
    return this.steps;
  }
}

/** The SokobanEnv under any wrappers (`make()` wraps envs); throws when `env` is not one. */
export function sokobanEnvOf(env: Env): SokobanEnv {
  const inner = env.unwrapped;
  if (!(inner instanceof SokobanEnv)) throw new LmmGymError(`expected a Sokoban env, got ${inner.constructor.name}`);
  return inner;
}

// ---- Sokoban-v0: generated levels ----

export interface SokobanOptions {
  width: number;
  height: number;
  boxes: number;
  maxSteps: number;
  /** Play this one generated level every episode (null: a new level per reset, seeded by the env). */
  levelSeed: number | null;
  tileSize: number;
  /** Difficulty: minimum (and optional maximum) optimal solution length in moves. */
  minSolutionLength: number;
  maxSolutionLength: number | null;
  /**
   * A Boxoban file of held-out positions (a test set): a drawn level whose start state is
   * in it is drawn again, so training never starts there (explicit `level` / `levelSeed`
   * resets are played as asked). null: none.
   */
  heldOut: string | null;
  /** Let levels start with boxes already on targets (default false, as gym-sokoban and Boxoban). */
  allowBoxOnTarget: boolean;
  /** Fewest floor cells of a generated room (null: the generator's defaultMinFloor). */
  minFloor: number | null;
  /** Step reward: 'gym' (default) or 'progress' (change of minus the optimal moves left; see SOKOBAN_REWARDS). */
  reward: SokobanReward;
  /** The text view also lists the inner walls (default false). */
  listWalls: boolean;
}

export const SOKOBAN_DEFAULTS: SokobanOptions = {
  width: 6, height: 6, boxes: 1, maxSteps: 100, levelSeed: null, tileSize: 16, minSolutionLength: 1, maxSolutionLength: null, heldOut: null,
  allowBoxOnTarget: false, minFloor: null, reward: 'gym', listWalls: false,
};

/** Draws per reset before giving up on avoiding the held-out set (it is tiny next to the level space). */
const HELD_OUT_REDRAWS = 1000;

/**
 * Levels from the generator. Reset options: `{ levelSeed }` plays that generated level,
 * `{ level }` (a SokobanLevel or its Boxoban text, same size as the env) plays that one.
 */
export class GeneratedLevels implements LevelSource {
  readonly width: number;
  readonly height: number;
  private readonly gen: GenerateOptions;
  private cached: { seed: number; level: SokobanLevel } | null = null;
  readonly heldOut: SokobanLevelSet | null;

  constructor(private readonly options: SokobanOptions, heldOut: SokobanLevelSet | null = null) {
    this.heldOut = heldOut;
    const { width, height, boxes, minSolutionLength, maxSolutionLength, levelSeed, allowBoxOnTarget, minFloor } = options;
    this.gen = { width, height, boxes, minSolutionLength, maxSolutionLength, allowBoxOnTarget };
    if (minFloor !== null) this.gen.minFloor = minFloor;
    const problem = generateOptionsProblem(this.gen);
    if (problem) throw new InvalidOptionError(`Sokoban ${problem}`);
    if (levelSeed !== null && (!Number.isSafeInteger(levelSeed) || levelSeed < 0)) throw new InvalidOptionError(`Sokoban levelSeed must be a non-negative integer or null, got ${describeValue(levelSeed)}`);
    this.width = width;
    this.height = height;
  }

  private generate(seed: number): SokobanLevel {
    if (this.cached?.seed !== seed) this.cached = { seed, level: generateLevel(this.gen, seed) };
    return this.cached.level;
  }

  next(options: Record<string, unknown>, draw: () => number): SokobanLevel {
    if (options.level !== undefined) return sizedLevel(options.level, this.width, this.height);
    const seed = options.levelSeed ?? this.options.levelSeed;
    if (seed !== null && seed !== undefined) {
      if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InvalidOptionError(`reset option levelSeed must be a non-negative integer, got ${describeValue(seed)}`);
      return this.generate(seed);
    }
    for (let i = 0; i < HELD_OUT_REDRAWS; i++) {
      const level = generateLevel(this.gen, draw());
      if (!this.heldOut?.has(level)) return level;
    }
    throw new LmmGymError(`Sokoban: ${HELD_OUT_REDRAWS} draws in a row hit the held-out set (${this.heldOut!.size} levels); these generator options cannot avoid it`);
  }
}

/** A level given as a reset option (object or Boxoban text), checked against the env's size. */
function sizedLevel(value: unknown, width: number, height: number): SokobanLevel {
  const level = resetOptionLevel(value);
  if (level.width !== width || level.height !== height) throw new InvalidOptionError(`reset option level is ${level.width}x${level.height}, but this env plays ${width}x${height} levels (make it with width/height to match)`);
  return level;
}

/** Reset option `level` (a level text or a SokobanLevel), checked and copied. */
function resetOptionLevel(value: unknown): SokobanLevel {
  if (typeof value === 'string') return parseLevel(value, { source: 'reset option level' });
  const problem = value !== null && typeof value === 'object' ? levelProblem(value as SokobanLevel) : 'not an object';
  if (problem) throw new InvalidOptionError(`reset option level is not a valid SokobanLevel: ${problem}`);
  return cloneLevel(value as SokobanLevel); // the caller may reuse its object
}

export function makeSokobanEnv(options: Partial<SokobanOptions> & { loadFile?: (path: string) => string } = {}): SokobanEnv {
  const { loadFile, ...rest } = options;
  const o = { ...SOKOBAN_DEFAULTS, ...rest };
  let heldOut: SokobanLevelSet | null = null;
  if (o.heldOut !== null) {
    if (typeof o.heldOut !== 'string' || o.heldOut.length === 0) throw new InvalidOptionError(`Sokoban heldOut must be a Boxoban file path or null, got ${describeValue(o.heldOut)}`);
    if (!loadFile) throw new InvalidOptionError('Sokoban heldOut needs a file loader (make() provides one)');
    heldOut = heldOutSet(o.heldOut, loadFile);
  }
  return new SokobanEnv(new GeneratedLevels(o, heldOut), { maxSteps: o.maxSteps, tileSize: o.tileSize, reward: o.reward, listWalls: o.listWalls });
}

/** Parsed held-out files by path: many envs of a vector or a rollout share one set. */
const heldOutCache = new Map<string, SokobanLevelSet>();
function heldOutSet(path: string, loadFile: (path: string) => string): SokobanLevelSet {
  let set = heldOutCache.get(path);
  if (!set) {
    set = SokobanLevelSet.fromBoxoban(loadFile(path), path);
    if (heldOutCache.size > 32) heldOutCache.clear();
    heldOutCache.set(path, set);
  }
  return set;
}

// ---- Boxoban-v0: levels from Boxoban files ----

export interface BoxobanOptions {
  /** A Boxoban file; with `text` null and `file` null the bundled generated 6x6 set is used. */
  file: string | null;
  /** Boxoban text instead of a file. */
  text: string | null;
  /** Always play this level index (null: a random level per reset from the env's seed). */
  index: number | null;
  maxSteps: number;
  tileSize: number;
  /** Step reward: 'gym' (default) or 'progress' (see SOKOBAN_REWARDS). */
  reward: SokobanReward;
  /** The text view also lists the inner walls (default false). */
  listWalls: boolean;
}

export const BOXOBAN_DEFAULTS: BoxobanOptions = { file: null, text: null, index: null, maxSteps: 100, tileSize: 16, reward: 'gym', listWalls: false };

/**
 * Levels from a list. Levels smaller than the largest are padded with walls (right and
 * bottom) so one observation shape fits all. Reset option `{ index }` picks a level of the
 * list; `{ level }` plays the given one instead (as Sokoban-v0 does).
 */
export class LevelList implements LevelSource {
  readonly width: number;
  readonly height: number;
  readonly levels: readonly SokobanLevel[];

  constructor(levels: readonly SokobanLevel[], private readonly index: number | null = null) {
    if (levels.length === 0) throw new InvalidOptionError('a level list needs at least one level');
    this.width = maxOf(levels.map((l) => l.width));
    this.height = maxOf(levels.map((l) => l.height));
    this.levels = levels.map((l) => padLevel(l, this.width, this.height));
    if (index !== null) this.checkIndex(index, 'index');
  }

  private checkIndex(index: unknown, name: string): number {
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= this.levels.length) {
      throw new InvalidOptionError(`${name} must be an integer in [0, ${this.levels.length - 1}], got ${describeValue(index)}`);
    }
    return index;
  }

  next(options: Record<string, unknown>, draw: () => number): SokobanLevel {
    if (options.level !== undefined) {
      // A given level (e.g. `lmm-gym eval --levels`), padded with walls to the list's shape like the list's own.
      const level = resetOptionLevel(options.level);
      if (level.width > this.width || level.height > this.height) throw new InvalidOptionError(`reset option level is ${level.width}x${level.height}, larger than this level list's ${this.width}x${this.height}`);
      return padLevel(level, this.width, this.height);
    }
    if (options.index !== undefined && options.index !== null) return this.levels[this.checkIndex(options.index, 'reset option index')]!;
    if (this.index !== null) return this.levels[this.index]!;
    return this.levels[draw() % this.levels.length]!;
  }
}

/** The level on a width x height grid, extra cells as walls. */
export function padLevel(level: SokobanLevel, width: number, height: number): SokobanLevel {
  if (level.width === width && level.height === height) return level;
  const cells = new Uint8Array(width * height).fill(CELL.WALL);
  for (let r = 0; r < level.height; r++) cells.set(level.cells.subarray(r * level.width, (r + 1) * level.width), r * width);
  return { ...level, width, height, cells };
}

export function makeBoxobanEnv(options: Partial<BoxobanOptions> & { loadFile?: (path: string) => string; defaultFile?: string } = {}): SokobanEnv {
  const o = { ...BOXOBAN_DEFAULTS, ...options };
  if (o.file !== null && o.text !== null) throw new InvalidOptionError('Boxoban takes either file or text, not both');
  if (o.file !== null && typeof o.file !== 'string') throw new InvalidOptionError(`Boxoban file must be a path string, got ${describeValue(o.file)}`);
  if (o.text !== null && typeof o.text !== 'string') throw new InvalidOptionError(`Boxoban text must be a string, got ${describeValue(o.text)}`);
  let levels: SokobanLevel[];
  if (o.text !== null) levels = parseBoxoban(o.text, 'Boxoban text');
  else {
    const path = o.file ?? options.defaultFile;
    if (!path || !options.loadFile) throw new InvalidOptionError('Boxoban needs a file or text option');
    levels = parseBoxoban(options.loadFile(path), path);
  }
  return new SokobanEnv(new LevelList(levels, o.index), { maxSteps: o.maxSteps, tileSize: o.tileSize, reward: o.reward, listWalls: o.listWalls });
}
