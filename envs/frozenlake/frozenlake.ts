import { BaseEnv, type ResetResult, type StepResult } from '../core/env.js';
import { InvalidOptionError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Discrete } from '../core/spaces.js';
import { SpriteAtlas, type SpriteDrawer } from '../render/atlas.js';
import { createFrame, blend, type Frame } from '../render/frame.js';
import { FROZEN_LAKE_MAPS, generateRandomMap, hasPath } from './maps.js';

export const FROZEN_LAKE_ACTIONS = ['left', 'down', 'right', 'up'] as const;
const MOVES: readonly (readonly [number, number])[] = [[0, -1], [1, 0], [0, 1], [-1, 0]];

export interface FrozenLakeOptions {
  /** '4x4', '8x8' or 'random' (random: `size`, `frozenProbability`, `mapSeed`). */
  map: string;
  /** A custom map (rows of S/F/H/G); overrides `map`. */
  desc: string[] | null;
  size: number;
  frozenProbability: number;
  /** Seed of the random map (default: drawn from the env's seed at each reset). */
  mapSeed: number | null;
  /** Slippery ice: the intended move with probability 1/3, each perpendicular 1/3. */
  slippery: boolean;
  tileSize: number;
}

export const FROZEN_LAKE_DEFAULTS: FrozenLakeOptions = {
  map: '4x4', desc: null, size: 8, frozenProbability: 0.8, mapSeed: null, slippery: true, tileSize: 16,
};

const TILE_COLORS: Record<string, string> = { F: '#cfe8f7', S: '#cfe8f7', H: '#1d3f6e', G: '#f2c94c' };

const SPRITES: Record<string, SpriteDrawer> = {
  F: (ctx, s) => { ctx.fillStyle = TILE_COLORS.F!; ctx.fillRect(0, 0, s, s); ctx.strokeStyle = '#a8cde6'; ctx.strokeRect(0.5, 0.5, s - 1, s - 1); },
  S: (ctx, s) => { SPRITES.F!(ctx, s); ctx.fillStyle = '#8fb9d6'; ctx.fillRect(s * 0.2, s * 0.2, s * 0.6, s * 0.6); },
  H: (ctx, s) => { SPRITES.F!(ctx, s); ctx.fillStyle = TILE_COLORS.H!; ctx.beginPath(); ctx.ellipse(s / 2, s / 2, s * 0.42, s * 0.36, 0, 0, Math.PI * 2); ctx.fill(); },
  G: (ctx, s) => { ctx.fillStyle = TILE_COLORS.G!; ctx.fillRect(0, 0, s, s); ctx.fillStyle = '#b8860b'; ctx.fillRect(s * 0.3, s * 0.15, s * 0.1, s * 0.7); ctx.fillStyle = '#d7263d'; ctx.fillRect(s * 0.4, s * 0.15, s * 0.35, s * 0.25); },
  player: (ctx, s) => { ctx.fillStyle = '#2e7d32'; ctx.beginPath(); ctx.arc(s / 2, s / 2, s * 0.32, 0, Math.PI * 2); ctx.fill(); ctx.fillStyle = '#ffffff'; ctx.fillRect(s * 0.38, s * 0.38, s * 0.08, s * 0.08); ctx.fillRect(s * 0.54, s * 0.38, s * 0.08, s * 0.08); },
};

/**
 * FrozenLake (as Gymnasium's): walk from S to G across the ice without falling into a
 * hole. Observation: the player's cell index (row * cols + col). Reward 1 on reaching G.
 */
export class FrozenLakeEnv extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(4);
  readonly observationSpace: Discrete;
  override readonly actionNames = FROZEN_LAKE_ACTIONS;
  override readonly metadata = { renderModes: ['rgb_array', 'text'], renderFps: 4 };
  readonly options: FrozenLakeOptions;
  private desc: string[];
  private rows: number;
  private cols: number;
  private player = 0;
  private lastAction: number | null = null;
  private readonly atlas: SpriteAtlas;
  private background: Frame | null = null;
  private frame: Frame | null = null;

  constructor(options: Partial<FrozenLakeOptions> = {}) {
    super();
    this.options = validateOptions({ ...FROZEN_LAKE_DEFAULTS, ...options });
    this.desc = this.initialMap(new Rng(this.options.mapSeed ?? 0));
    this.rows = this.desc.length;
    this.cols = this.desc[0]!.length;
    this.observationSpace = new Discrete(this.rows * this.cols);
    this.atlas = SpriteAtlas.get('frozenlake', this.options.tileSize, SPRITES);
  }

  private initialMap(rng: Rng): string[] {
    const o = this.options;
    if (o.desc) return [...o.desc];
    if (o.map === 'random') return generateRandomMap(o.size, o.frozenProbability, rng);
    return [...FROZEN_LAKE_MAPS[o.map]!];
  }

  /** The current map rows (S/F/H/G). */
  get map(): readonly string[] {
    return this.desc;
  }

  protected onReset(): ResetResult<number> {
    if (this.options.map === 'random' && !this.options.desc && this.options.mapSeed === null) {
      this.desc = generateRandomMap(this.options.size, this.options.frozenProbability, new Rng(this.rng.childSeed()));
      this.background = null;
    }
    this.player = this.findStart();
    this.lastAction = null;
    return { observation: this.player, info: { probability: 1 } };
  }

  private findStart(): number {
    for (let r = 0; r < this.rows; r++) {
      const c = this.desc[r]!.indexOf('S');
      if (c >= 0) return r * this.cols + c;
    }
    return 0;
  }

  protected onStep(action: number): StepResult<number> {
    let move = action;
    let probability = 1;
    if (this.options.slippery) {
      const k = this.rng.int(3); // 0: intended, 1: turn left, 2: turn right
      move = k === 0 ? action : k === 1 ? (action + 3) % 4 : (action + 1) % 4;
      probability = 1 / 3;
    }
    const r = Math.floor(this.player / this.cols), c = this.player % this.cols;
    const nr = Math.min(this.rows - 1, Math.max(0, r + MOVES[move]![0]));
    const nc = Math.min(this.cols - 1, Math.max(0, c + MOVES[move]![1]));
    this.player = nr * this.cols + nc;
    this.lastAction = action;
    const tile = this.desc[nr]![nc];
    const terminated = tile === 'H' || tile === 'G';
    return {
      observation: this.player,
      reward: tile === 'G' ? 1 : 0,
      terminated,
      truncated: false,
      info: { probability, success: tile === 'G', tile },
    };
  }

  /** The map with the player drawn on it. The returned frame is reused: copy it to keep it. */
  render(): Frame {
    const ts = this.options.tileSize;
    if (!this.background) {
      this.background = createFrame(this.cols * ts, this.rows * ts);
      for (let r = 0; r < this.rows; r++) for (let c = 0; c < this.cols; c++) this.atlas.draw(this.background, this.desc[r]![c]!, c * ts, r * ts);
      this.frame = createFrame(this.cols * ts, this.rows * ts);
    }
    this.frame!.data.set(this.background.data);
    const r = Math.floor(this.player / this.cols), c = this.player % this.cols;
    blend(this.frame!, this.atlas.sprite('player'), c * ts, r * ts);
    return this.frame!;
  }

  describe(): string {
    const r = Math.floor(this.player / this.cols), c = this.player % this.cols;
    const header = '  ' + Array.from({ length: this.cols }, (_, i) => i % 10).join('');
    const rows = this.desc.map((row, ri) => `${ri % 10} ${ri === r ? row.slice(0, c) + 'P' + row.slice(c + 1) : row}`);
    return [
      `FrozenLake ${this.rows}x${this.cols}${this.options.slippery ? ' (slippery: a move may slide sideways)' : ''}`,
      header, ...rows,
      'Legend: P player, S start, F frozen ice, H hole, G goal',
      `Player at row ${r}, column ${c}. Reach G without stepping into H.`,
      ...(this.lastAction === null ? [] : [`Last action: ${FROZEN_LAKE_ACTIONS[this.lastAction]}`]),
    ].join('\n');
  }
}

function validateOptions(o: FrozenLakeOptions): FrozenLakeOptions {
  if (o.desc !== null) {
    if (!Array.isArray(o.desc) || o.desc.length === 0 || o.desc.some((row) => typeof row !== 'string' || row.length !== o.desc![0]!.length || !/^[SFHG]+$/.test(row))) {
      throw new InvalidOptionError('FrozenLake desc must be equal-length rows of S, F, H, G');
    }
    const all = o.desc.join('');
    if ((all.match(/S/g) ?? []).length !== 1 || !all.includes('G')) throw new InvalidOptionError('FrozenLake desc needs exactly one S and at least one G');
    if (!hasPath(o.desc)) throw new InvalidOptionError('FrozenLake desc has no path from S to G');
  } else if (o.map !== 'random' && !(o.map in FROZEN_LAKE_MAPS)) {
    throw new InvalidOptionError(`FrozenLake map must be one of ${[...Object.keys(FROZEN_LAKE_MAPS), 'random'].join(', ')}, got ${JSON.stringify(o.map)}`);
  }
  if (!Number.isSafeInteger(o.size) || o.size < 2 || o.size > 64) throw new InvalidOptionError(`FrozenLake size must be an integer in [2, 64], got ${JSON.stringify(o.size)}`);
  if (typeof o.frozenProbability !== 'number' || !(o.frozenProbability > 0 && o.frozenProbability <= 1)) throw new InvalidOptionError(`FrozenLake frozenProbability must be in (0, 1], got ${JSON.stringify(o.frozenProbability)}`);
  if (o.mapSeed !== null && (!Number.isSafeInteger(o.mapSeed) || o.mapSeed < 0)) throw new InvalidOptionError(`FrozenLake mapSeed must be a non-negative integer or null, got ${JSON.stringify(o.mapSeed)}`);
  if (typeof o.slippery !== 'boolean') throw new InvalidOptionError(`FrozenLake slippery must be a boolean, got ${JSON.stringify(o.slippery)}`);
  if (!Number.isSafeInteger(o.tileSize) || o.tileSize < 4 || o.tileSize > 256) throw new InvalidOptionError(`FrozenLake tileSize must be an integer in [4, 256], got ${JSON.stringify(o.tileSize)}`);
  return o;
}
