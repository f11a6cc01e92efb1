// A scripted attacker for the agent's team: reads the engine state and returns one action
// with a one-line reason. Stateless (the controller's sticky state lives in the engine),
// so it can be called on any state, e.g. as an oracle agent or to make SFT traces.
import type { Env } from '../core/env.js';
import { LmmGymError } from '../core/errors.js';
import { Action, DIRECTION_X, DIRECTION_Y, GOAL_HALF_WIDTH, GameMode, LEFT, PHYS, ROLES, hypot } from './constants.js';
import { bestPassTarget } from './ai.js';
import { playerId } from './describe.js';
import { FootballEngine } from './engine.js';
import { FootballEnv } from './football.js';

export interface FootballDecision {
  /** Action index (FOOTBALL_ACTIONS). */
  action: number;
  /** One line saying why, e.g. "dribble toward goal", "shoot: open goal". */
  reason: string;
}

const GK = ROLES.indexOf('GK');

/** The 8-way direction action (1..8) closest to the vector (x, y). */
export function directionAction(x: number, y: number): number {
  let best = 5, bestDot = -Infinity;
  const l = hypot(x, y) || 1;
  for (let k = 1; k <= 8; k++) {
    const dot = (x * DIRECTION_X[k]! + y * DIRECTION_Y[k]!) / l;
    if (dot > bestDot) { bestDot = dot; best = k; }
  }
  return best;
}

function engineOf(source: Env | FootballEnv | FootballEngine): FootballEngine {
  if (source instanceof FootballEngine) return source;
  if (source instanceof FootballEnv) return source.engine;
  const inner = (source as Env).unwrapped;
  if (inner instanceof FootballEnv) return inner.engine;
  throw new LmmGymError('scriptedFootballDecision needs a Football-v0 env (or its FootballEngine)');
}

/** Decide the next action for the agent's active player, with the reason. */
export function scriptedFootballDecision(source: Env | FootballEnv | FootballEngine): FootballDecision {
  const e = engineOf(source);
  const i = e.active;
  if (i < 0) return { action: Action.idle, reason: 'no player to control' };
  const px = e.px[i]!, py = e.py[i]!;
  const move = (dir: number, reason: string): FootballDecision => ({ action: dir, reason });

  if (e.owner !== i) {
    if (e.owner >= 0 && e.teamOf(e.owner) === LEFT) return { action: Action.idle, reason: 'a teammate has the ball: wait' };
    const dist = hypot(e.bx - px, e.by - py);
    let tx = e.bx, ty = e.by;
    if (e.owner < 0) { e.intercept(i, PHYS.sprintSpeed * 0.85); tx = e.interceptX; ty = e.interceptY; }
    else { tx += e.bvx * 3; ty += e.bvy * 3; }
    if (hypot(tx - px, ty - py) < 0.006 && e.owner < 0) return { action: Action.release_direction, reason: 'wait for the ball to arrive' };
    const dir = directionAction(tx - px, ty - py);
    if (!e.stickySprint && dist > 0.05) return { action: Action.sprint, reason: 'sprint to the ball' };
    return move(dir, e.owner >= 0 ? `close down ${playerId(e, e.owner)} to win the ball` : 'run to the loose ball');
  }

  // Set pieces: aim, then kick.
  if (e.mode !== GameMode.normal) {
    if (e.mode === GameMode.penalty) {
      const aim = e.openCorner(LEFT) < 0 ? Action.top_right : Action.bottom_right;
      if (e.stickyDir !== aim) return move(aim, 'penalty: aim at the corner away from the keeper');
      return { action: Action.shot, reason: 'penalty: shoot' };
    }
    if (e.mode === GameMode.corner) {
      const aim = directionAction(0.88 - px, -py);
      if (e.stickyDir !== aim) return move(aim, 'aim the corner at the box');
      return { action: Action.high_pass, reason: 'corner: cross into the box' };
    }
    const j = bestPassTarget(e, i, -0.4);
    const aim = j >= 0 ? directionAction(e.px[j]! - px, e.py[j]! - py) : directionAction(1, -py);
    if (e.stickyDir !== aim) return move(aim, 'aim the restart pass');
    return { action: Action.short_pass, reason: `restart: pass to ${j >= 0 ? playerId(e, j) : 'space'}` };
  }

  const k = e.keeper[1]!;
  const keeperHome = k >= 0 && Math.abs(e.px[k]! - 1) < 0.25 && Math.abs(e.py[k]!) < 0.15;
  const distGoal = hypot(1 - e.bx, e.by);
  // Shots: at an open goal from range, past a keeper only from close in and at the far post.
  if (!keeperHome && distGoal < 0.42 && Math.abs(e.by) < 0.2) return { action: Action.shot, reason: 'shoot: open goal' };
  if (keeperHome && distGoal < 0.24 && Math.abs(e.by) < 0.16) {
    // Shoot at the far post once the keeper cannot cover it (or when very close).
    const far = e.openCorner(LEFT);
    const gap = e.lastGap;
    // The keeper covers his reach plus what he can dive after reacting (about 2 steps).
    const need = PHYS.keeperReach + PHYS.keeperDiveReach + 0.007 * Math.max(0, distGoal / PHYS.shotSpeed - 2);
    if (gap > need + 0.004 || distGoal < 0.08) {
      const aim = far < 0 ? Action.top_right : Action.bottom_right;
      if (e.stickyDir !== aim) return move(aim, 'aim at the far post');
      return { action: Action.shot, reason: 'shoot: far post, keeper beaten' };
    }
  }

  // Opponents in the way: pass to an open teammate ahead, or steer around them.
  let blockX = 0, blockY = 0, blocked = false, near = Infinity;
  for (let j = e.nLeft; j < e.n; j++) {
    if (e.role[j] === GK || !e.onPitch[j]) continue;
    const rx = e.px[j]! - px, ry = e.py[j]! - py;
    const d = hypot(rx, ry);
    near = Math.min(near, d);
    if (rx > -0.01 && d < 0.12) {
      const w = (0.12 - d) / 0.12;
      blockX -= (rx / (d + 1e-6)) * w; blockY -= (ry / (d + 1e-6)) * w;
      if (d < 0.1 && (Math.abs(ry) < 0.07 || d < 0.08)) blocked = true;
    }
  }
  if (blocked) {
    const j = bestPassTarget(e, i, -0.02);
    if (j >= 0) {
      const aim = directionAction(e.px[j]! - e.bx, e.py[j]! - e.by);
      if (e.stickyDir !== aim) return move(aim, `turn toward ${playerId(e, j)} to pass`);
      return { action: Action.short_pass, reason: `pass to ${playerId(e, j)}: defender ahead` };
    }
  }
  // Dribble toward goal; with a keeper, approach off-centre to open the far post.
  const targetY = keeperHome && px > 0.4 ? (py >= 0 ? 0.11 : -0.11) : Math.max(-GOAL_HALF_WIDTH, Math.min(GOAL_HALF_WIDTH, py));
  let ux = 0.9 - px, uy = targetY - py;
  const ul = hypot(ux, uy) || 1;
  ux = ux / ul + blockX * 1.2; uy = uy / ul + blockY * 1.2;
  if (Math.abs(py) > 0.33) uy -= Math.sign(py) * 0.6;
  if (px > 0.86) ux = Math.max(ux, 0.2);
  const dir = directionAction(ux, uy);
  if (!e.stickySprint && near > 0.06 && e.stamina[i]! > 0.15) return { action: Action.sprint, reason: 'sprint: space ahead' };
  if (e.stickySprint && e.stamina[i]! < 0.05) return { action: Action.release_sprint, reason: 'out of stamina: stop sprinting' };
  return move(dir, blockX !== 0 || blockY !== 0 ? 'dribble around the defender' : 'dribble toward goal');
}

/** Just the action of `scriptedFootballDecision`. */
export function scriptedFootballAction(source: Env | FootballEnv | FootballEngine): number {
  return scriptedFootballDecision(source).action;
}

