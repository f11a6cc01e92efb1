// The "simple115" vector observation (as GRF's Simple115StateWrapper), from the engine state.
import { Box } from '../core/spaces.js';
import { LEFT, MAX_PLAYERS_PER_TEAM } from './constants.js';
import type { FootballEngine } from './engine.js';

/** Length of the simple115 vector. */
export const SIMPLE115_SIZE = 115;

/**
 * Layout (all values clamped to [-1, 1]; missing players are -1):
 *   0..21   left team positions (x, y) for slots 1..11
 *   22..43  left team directions (per-step movement dx, dy)
 *   44..65  right team positions
 *   66..87  right team directions
 *   88..90  ball position (x, y, height)
 *   91..93  ball direction (per-step movement dx, dy, dz)
 *   94..96  ball owner one-hot: none, left, right
 *   97..107 active player one-hot (left team slot)
 *   108..114 game mode one-hot (normal, kick_off, goal_kick, free_kick, corner, throw_in, penalty)
 */
export const SIMPLE115_LAYOUT = {
  leftPositions: 0, leftDirections: 22, rightPositions: 44, rightDirections: 66,
  ball: 88, ballDirection: 91, ballOwner: 94, active: 97, gameMode: 108,
} as const;

export function simple115Space(): Box {
  return new Box(-1, 1, [SIMPLE115_SIZE], 'float32');
}

const clamp = (v: number): number => (v < -1 ? -1 : v > 1 ? 1 : v);

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
  out.fill(0, 94, 115);
  out[94 + (e.owner < 0 ? 0 : e.teamOf(e.owner) + 1)] = 1;
  if (e.active >= 0 && e.active < MAX_PLAYERS_PER_TEAM) out[97 + e.active] = 1;
  out[108 + e.mode] = 1;
  return out;
}
