// The text view of a football state: a stable, line-oriented format for language agents.
// Documented in docs/football.md ("Text view"); change both together.
import { DIRECTION_NAMES, DIRECTION_X, DIRECTION_Y, LEFT, ROLES, SECONDS_PER_STEP } from './constants.js';
import type { FootballEngine } from './engine.js';

const f3 = (v: number): string => (Math.abs(v) < 0.0005 ? 0 : v).toFixed(3);
const pos = (x: number, y: number): string => `(${f3(x)}, ${f3(y)})`;

/** The 8-way direction name closest to (x, y) ('none' for a zero vector). */
export function directionName(x: number, y: number): string {
  if (x * x + y * y < 1e-10) return 'none';
  let best = 1, bestDot = -Infinity;
  for (let k = 1; k <= 8; k++) {
    const dot = x * DIRECTION_X[k]! + y * DIRECTION_Y[k]!;
    if (dot > bestDot) { bestDot = dot; best = k; }
  }
  return DIRECTION_NAMES[best]!;
}

/** Player id as shown in text: L or R and the shirt number, e.g. "L2", "R1". */
export function playerId(e: FootballEngine, i: number): string {
  return `${e.teamOf(i) === LEFT ? 'L' : 'R'}${e.numberOf(i)}`;
}

function countOn(e: FootballEngine, lo: number, hi: number): number {
  let c = 0;
  for (let i = lo; i < hi; i++) c += e.onPitch[i]!;
  return c;
}

export function describeFootball(e: FootballEngine, lastActions: readonly string[] = []): string {
  const lines: string[] = [];
  const s = e.scenario;
  const half = e.halfTimeStep > 0 ? ` | half ${e.half}${e.half === 2 ? ' (ends switched)' : ''}` : '';
  lines.push(`Football ${s.name} | step ${e.steps}/${e.gameDuration} | time left ${(e.stepsLeft * SECONDS_PER_STEP).toFixed(1)} s | score ${e.scoreLeft}-${e.scoreRight} | mode ${e.modeName}${half}`);
  lines.push('You control the left team, attacking the goal at x=+1 (right). Pitch: x from -1 (own goal) to +1, y from -0.42 (top) to +0.42 (bottom); goal mouth |y| < 0.044.');
  const a = e.active;
  if (a >= 0) {
    const has = e.owner === a ? 'has the ball' : 'without the ball';
    lines.push(`Active player: ${playerId(e, a)} ${ROLES[e.role[a]!]} at ${pos(e.px[a]!, e.py[a]!)} velocity ${pos(e.vx[a]!, e.vy[a]!)} facing ${directionName(e.dx[a]!, e.dy[a]!)}, stamina ${e.stamina[a]!.toFixed(2)}, ${has}${e.yellow[a] ? ', yellow card' : ''}`);
  }
  const owner = e.owner >= 0 ? playerId(e, e.owner) : 'nobody';
  lines.push(`Ball: at ${pos(e.bx, e.by)} height ${f3(e.bz)} velocity ${pos(e.bvx, e.bvy)}, owner ${owner}`);
  lines.push(`Controls: direction ${DIRECTION_NAMES[e.stickyDir]}, sprint ${e.stickySprint ? 'on' : 'off'}, dribble ${e.stickyDribble ? 'on' : 'off'}`);
  const list = (lo: number, hi: number, skip: number): string => {
    const parts: string[] = [];
    for (let i = lo; i < hi; i++) {
      if (i !== skip && e.onPitch[i]) parts.push(`${playerId(e, i)} ${ROLES[e.role[i]!]} ${pos(e.px[i]!, e.py[i]!)}${e.yellow[i] ? ' yellow card' : ''}`);
    }
    return parts.length ? parts.join('; ') : 'none';
  };
  lines.push(`Teammates: ${list(0, e.nLeft, a)}`);
  lines.push(`Opponents: ${list(e.nLeft, e.n, -1)}`);
  const off: string[] = [];
  for (let i = 0; i < e.n; i++) if (e.red[i]) off.push(playerId(e, i));
  if (off.length) lines.push(`Sent off: ${off.join(', ')} (left ${e.nLeft - countOn(e, 0, e.nLeft)}, right ${e.n - e.nLeft - countOn(e, e.nLeft, e.n)} players short)`);
  if (lastActions.length) lines.push(`Last actions: ${lastActions.join(', ')}`);
  return lines.join('\n');
}
