// Vector, mini-map and raw observations of a football state (GRF's Simple115StateWrapper,
// SMMWrapper and raw observation dict), written from the engine state.
import { Box } from '../core/spaces.js';
import { LEFT, MAX_PLAYERS_PER_TEAM } from './constants.js';
import type { FootballEngine } from './engine.js';

/** Length of the simple115 vectors. */
export const SIMPLE115_SIZE = 115;

/**
 * Layout of `simple115` and `simple115_v2` (v2 is GRF's `fixed_positions=True`):
 *   0..21   left team positions (x, y) for slots 1..11
 *   22..43  left team directions (per-step movement dx, dy)
 *   44..65  right team positions
 *   66..87  right team directions
 *   88..90  ball position (x, y, height)
 *   91..93  ball direction (per-step movement dx, dy, dz)
 *   94..96  ball owner one-hot: none, left, right
 *   97..107 active player one-hot (left team slot)
 *   108..114 game mode one-hot (normal, kick_off, goal_kick, free_kick, corner, throw_in, penalty)
 * Missing players (fewer than 11 a side) are -1. `simple115` clamps every value to [-1, 1];
 * `simple115_v2` does not (as GRF). `simple115_v1` (GRF's plain `simple115`) packs the four
 * player blocks one after the other without per-team padding and pads 0..87 at the end.
 */
export const SIMPLE115_LAYOUT = {
  leftPositions: 0, leftDirections: 22, rightPositions: 44, rightDirections: 66,
  ball: 88, ballDirection: 91, ballOwner: 94, active: 97, gameMode: 108,
} as const;

/** Box of `simple115`: every value in [-1, 1]. */
export function simple115Space(): Box {
  return new Box(-1, 1, [SIMPLE115_SIZE], 'float32');
}

/** Box of GRF's `simple115` / `simple115v2`: unbounded, as GRF declares it. */
export function simple115GrfSpace(): Box {
  return new Box(-Infinity, Infinity, [SIMPLE115_SIZE], 'float32');
}

const clamp = (v: number): number => (v < -1 ? -1 : v > 1 ? 1 : v);

/** Ball owner, active player and game mode one-hots (indices 94..114), shared by all simple115 forms. */
function writeTail(e: FootballEngine, out: Float32Array): void {
  out.fill(0, 94, 115);
  out[94 + (e.owner < 0 ? 0 : e.teamOf(e.owner) + 1)] = 1;
  if (e.active >= 0 && e.active < MAX_PLAYERS_PER_TEAM) out[97 + e.active] = 1;
  out[108 + e.mode] = 1;
}

/** Write the simple115 features of `e` into `out` (length 115) and return it. */
export function writeSimple115(e: FootballEngine, out: Float32Array = new Float32Array(SIMPLE115_SIZE)): Float32Array {
  out.fill(-1, 0, 88);
  for (let t = 0; t < 2; t++) {
    const lo = t === LEFT ? 0 : e.nLeft, hi = t === LEFT ? e.nLeft : e.n;
    const posBase = t === LEFT ? 0 : 44, dirBase = posBase + 22;
    for (let i = lo; i < hi; i++) {
      const s = i - lo;
      out[posBase + 2 * s] = clamp(e.px[i]!); out[posBase + 2 * s + 1] = clamp(e.py[i]!);
      out[dirBase + 2 * s] = clamp(e.vx[i]!); out[dirBase + 2 * s + 1] = clamp(e.vy[i]!);
    }
  }
  out[88] = clamp(e.bx); out[89] = clamp(e.by); out[90] = clamp(e.bz);
  out[91] = clamp(e.bvx); out[92] = clamp(e.bvy); out[93] = clamp(e.bvz);
  writeTail(e, out);
  return out;
}

/**
 * GRF's Simple115StateWrapper, value for value (no clamping): `fixedPositions` true is
 * `simple115v2`, false is GRF's plain `simple115` (v1). Sent-off players keep their slot,
 * at their place on the bench (y = -0.5), as every player stays listed in GRF's arrays.
 */
export function writeSimple115Grf(e: FootballEngine, fixedPositions: boolean, out: Float32Array = new Float32Array(SIMPLE115_SIZE)): Float32Array {
  let k = 0;
  for (let b = 0; b < 4; b++) {
    const right = b >= 2, dir = (b & 1) === 1;
    const lo = right ? e.nLeft : 0, hi = right ? e.n : e.nLeft;
    const xs = dir ? e.vx : e.px, ys = dir ? e.vy : e.py;
    for (let i = lo; i < hi; i++) { out[k++] = xs[i]!; out[k++] = ys[i]!; }
    if (fixedPositions) while (k < (b + 1) * 22) out[k++] = -1;
  }
  while (k < 88) out[k++] = -1;
  out[88] = e.bx; out[89] = e.by; out[90] = e.bz;
  out[91] = e.bvx; out[92] = e.bvy; out[93] = e.bvz;
  writeTail(e, out);
  return out;
}

/** GRF's super mini-map: 72 x 96 pixels, 4 planes (left team, right team, ball, active player). */
export const SMM_HEIGHT = 72;
export const SMM_WIDTH = 96;
export const SMM_PLANES = 4;
export const SMM_SIZE = SMM_HEIGHT * SMM_WIDTH * SMM_PLANES;
/** Mini-map extent in pitch units (GRF's MINIMAP_NORM_*): x in [-1, 1], y in [-1/2.25, 1/2.25]. */
const SMM_Y_MAX = 1 / 2.25;

/** uint8 Box [72, 96, 4] (height, width, plane), channels last as GRF's. */
export function smmSpace(): Box {
  return new Box(0, 255, [SMM_HEIGHT, SMM_WIDTH, SMM_PLANES], 'uint8');
}

function mark(out: Uint8Array, x: number, y: number, plane: number): void {
  let c = Math.trunc(((x + 1) / 2) * SMM_WIDTH);
  let r = Math.trunc(((y + SMM_Y_MAX) / (2 * SMM_Y_MAX)) * SMM_HEIGHT);
  c = c < 0 ? 0 : c >= SMM_WIDTH ? SMM_WIDTH - 1 : c;
  r = r < 0 ? 0 : r >= SMM_HEIGHT ? SMM_HEIGHT - 1 : r;
  out[(r * SMM_WIDTH + c) * SMM_PLANES + plane] = 255;
}

/**
 * Write the super mini-map of `e` into `out` (length 72 x 96 x 4, index (row x 96 + col) x 4
 * + plane) and return it: 255 at each player's (plane 0 left, 1 right), the ball's (2) and
 * the active player's (3) pixel, as GRF's `mark_points`. Sent-off players are not marked.
 */
export function writeSmm(e: FootballEngine, out: Uint8Array = new Uint8Array(SMM_SIZE)): Uint8Array {
  out.fill(0);
  for (let i = 0; i < e.n; i++) if (e.onPitch[i]) mark(out, e.px[i]!, e.py[i]!, i < e.nLeft ? 0 : 1);
  mark(out, e.bx, e.by, 2);
  if (e.active >= 0) mark(out, e.px[e.active]!, e.py[e.active]!, 3);
  return out;
}

/**
 * The raw state in the shape of GRF's raw observation (its key names; one entry per player
 * of each team, in scenario order), plus `half` and the red cards, which GRF's dict gives as
 * `*_active` only.
 */
export interface FootballRawState {
  ball: [number, number, number];
  ball_direction: [number, number, number];
  /** -1 nobody, 0 left, 1 right. */
  ball_owned_team: number;
  /** Index within the owning team, or -1. */
  ball_owned_player: number;
  left_team: [number, number][];
  left_team_direction: [number, number][];
  /** 0 fresh .. 1 exhausted (1 - stamina). */
  left_team_tired_factor: number[];
  /** Whether the player has been shown a yellow card. */
  left_team_yellow_card: boolean[];
  /** False for a sent-off player. */
  left_team_active: boolean[];
  /** GRF role numbers (0 GK, 1 CB, 2 LB, 3 RB, 4 DM, 5 CM, 6 LM, 7 RM, 8 AM, 9 CF). */
  left_team_roles: number[];
  left_team_red_card: boolean[];
  right_team: [number, number][];
  right_team_direction: [number, number][];
  right_team_tired_factor: number[];
  right_team_yellow_card: boolean[];
  right_team_active: boolean[];
  right_team_roles: number[];
  right_team_red_card: boolean[];
  score: [number, number];
  steps_left: number;
  game_mode: number;
  /** The agent's player (index in the left team), or -1. */
  active: number;
  /** GRF's 10 sticky flags: left, top_left, top, top_right, right, bottom_right, bottom, bottom_left, sprint, dribble. */
  sticky_actions: number[];
  /** 1 or 2 (lmm-gym). */
  half: number;
}

/** The raw state of `e` (allocates: for agents and tools, not the step loop). */
export function rawFootballState(e: FootballEngine): FootballRawState {
  const team = (lo: number, hi: number) => {
    const idx = Array.from({ length: hi - lo }, (_, k) => lo + k);
    return {
      pos: idx.map((i): [number, number] => [e.px[i]!, e.py[i]!]),
      dir: idx.map((i): [number, number] => [e.vx[i]!, e.vy[i]!]),
      tired: idx.map((i) => 1 - e.stamina[i]!),
      yellow: idx.map((i) => e.yellow[i]! > 0),
      active: idx.map((i) => e.onPitch[i] === 1),
      roles: idx.map((i) => e.role[i]!),
      red: idx.map((i) => e.red[i] === 1),
    };
  };
  const l = team(0, e.nLeft), r = team(e.nLeft, e.n);
  const sticky = new Array<number>(10).fill(0);
  if (e.stickyDir > 0) sticky[e.stickyDir - 1] = 1;
  if (e.stickySprint) sticky[8] = 1;
  if (e.stickyDribble) sticky[9] = 1;
  const ownerTeam = e.owner < 0 ? -1 : e.teamOf(e.owner);
  return {
    ball: [e.bx, e.by, e.bz], ball_direction: [e.bvx, e.bvy, e.bvz],
    ball_owned_team: ownerTeam, ball_owned_player: e.owner < 0 ? -1 : ownerTeam === LEFT ? e.owner : e.owner - e.nLeft,
    left_team: l.pos, left_team_direction: l.dir, left_team_tired_factor: l.tired, left_team_yellow_card: l.yellow,
    left_team_active: l.active, left_team_roles: l.roles, left_team_red_card: l.red,
    right_team: r.pos, right_team_direction: r.dir, right_team_tired_factor: r.tired, right_team_yellow_card: r.yellow,
    right_team_active: r.active, right_team_roles: r.roles, right_team_red_card: r.red,
    score: [e.scoreLeft, e.scoreRight], steps_left: e.stepsLeft, game_mode: e.mode, active: e.active,
    sticky_actions: sticky, half: e.half,
  };
}
