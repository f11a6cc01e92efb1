// Rewards of Football-v0: GRF's scoring and checkpoints, and the MageBench-style shaped
// components (documented in docs/football.md, "Rewards and info").
import { InvalidOptionError } from '../core/errors.js';
import { Kick, LEFT, RIGHT, ROLES, hypot } from './constants.js';
import type { FootballEngine } from './engine.js';

export const REWARD_COMPONENTS = ['scoring', 'checkpoints', 'shaped'] as const;
export type RewardComponent = (typeof REWARD_COMPONENTS)[number];

/** Parse the `rewards` option ('scoring', 'scoring,checkpoints', ...). */
export function parseRewards(spec: unknown): Set<RewardComponent> {
  if (typeof spec !== 'string' || spec.trim() === '') throw new InvalidOptionError(`Football rewards must be a comma-separated list of ${REWARD_COMPONENTS.join(', ')}, got ${JSON.stringify(spec)}`);
  const parts = spec.split(',').map((s) => s.trim());
  for (const p of parts) if (!(REWARD_COMPONENTS as readonly string[]).includes(p)) throw new InvalidOptionError(`Football rewards: unknown component ${JSON.stringify(p)}; components: ${REWARD_COMPONENTS.join(', ')}`);
  return new Set(parts as RewardComponent[]);
}

/** The shaped components of one step (or their episode totals). */
export interface ShapedComponents {
  /** Ball x gained while the agent's team has it (per pitch length, so goal line to goal line = 1). */
  ballProgress: number;
  /** +0.05 per opponent outfield player the ball moves past (behind the ball) in possession. */
  opponentsPassed: number;
  /** +1 for a goal scored, -1 for a goal conceded. */
  goal: number;
  /** -0.2 when the opponent takes the ball from the agent's team. */
  lostBall: number;
  /** +0.05 plus 0.2 x x-gain for a completed pass; -0.1 for an intercepted one. */
  passQuality: number;
  /** For a shot: on target 0.1 + 0.2 x closeness (1 at the goal, 0 from 0.5 away); off target -0.05. */
  shotQuality: number;
}

export const SHAPED_KEYS = ['ballProgress', 'opponentsPassed', 'goal', 'lostBall', 'passQuality', 'shotQuality'] as const;

export function zeroShaped(): ShapedComponents {
  return { ballProgress: 0, opponentsPassed: 0, goal: 0, lostBall: 0, passQuality: 0, shotQuality: 0 };
}

const GK = ROLES.indexOf('GK');

/** Tracks checkpoints and shaped components over an episode. */
export class FootballRewardTracker {
  /** GRF checkpoints collected (0..10). */
  checkpoints = 0;
  readonly totals: ShapedComponents = zeroShaped();
  private lastX = Number.NaN;
  private lastPassed = 0;

  reset(e: FootballEngine): void {
    this.checkpoints = 0;
    for (const k of SHAPED_KEYS) this.totals[k] = 0;
    this.observePossession(e);
  }

  private observePossession(e: FootballEngine): void {
    if (e.owner >= 0 && e.teamOf(e.owner) === LEFT) {
      this.lastX = e.bx;
      this.lastPassed = this.countPassed(e);
    } else if (e.owner >= 0) this.lastX = Number.NaN;
  }

  private countPassed(e: FootballEngine): number {
    let c = 0;
    for (let j = e.nLeft; j < e.n; j++) if (e.role[j] !== GK && e.onPitch[j] && e.px[j]! < e.bx) c++;
    return c;
  }

  /** The checkpoint reward of this step (GRF's CheckpointRewardWrapper rule). */
  checkpointReward(e: FootballEngine): number {
    if (e.ev.goal === LEFT) {
      const r = 0.1 * (10 - this.checkpoints);
      this.checkpoints = 10;
      return r;
    }
    if (e.owner < 0 || e.owner !== e.active) return 0;
    const d = hypot(e.bx - 1, e.by);
    let r = 0;
    while (this.checkpoints < 10) {
      const threshold = 0.99 - (0.8 / 9) * this.checkpoints;
      if (d > threshold) break;
      r += 0.1;
      this.checkpoints++;
    }
    return r;
  }

  /** The shaped components of this step (written into `out`), added to the totals. */
  shaped(e: FootballEngine, out: ShapedComponents): ShapedComponents {
    const ev = e.ev;
    out.goal = ev.goal === LEFT ? 1 : ev.goal === RIGHT ? -1 : 0;
    out.lostBall = ev.possessionChange && e.lastOwnerTeam === RIGHT ? -0.2 : 0;
    out.passQuality = ev.passCompleted === LEFT ? 0.05 + 0.2 * Math.max(0, ev.passProgress) : ev.passIntercepted === LEFT ? -0.1 : 0;
    out.shotQuality = ev.kickKind === Kick.shot && ev.kickTeam === LEFT ? (ev.shotOnTarget ? 0.1 + 0.2 * Math.max(0, 1 - ev.shotDistance / 0.5) : -0.05) : 0;
    out.ballProgress = 0;
    out.opponentsPassed = 0;
    const leftHas = e.owner >= 0 && e.teamOf(e.owner) === LEFT;
    if (leftHas && !ev.outOfPlay) {
      const passed = this.countPassed(e);
      if (!Number.isNaN(this.lastX)) {
        out.ballProgress = (e.bx - this.lastX) / 2;
        out.opponentsPassed = 0.05 * (passed - this.lastPassed);
      }
      this.lastX = e.bx;
      this.lastPassed = passed;
    } else if (e.owner >= 0 || ev.outOfPlay) {
      this.lastX = Number.NaN;
    }
    const t = this.totals;
    t.ballProgress += out.ballProgress; t.opponentsPassed += out.opponentsPassed; t.goal += out.goal;
    t.lostBall += out.lostBall; t.passQuality += out.passQuality; t.shotQuality += out.shotQuality;
    return out;
  }
}

/** Sum of the shaped components. */
export function shapedSum(s: ShapedComponents): number {
  return s.ballProgress + s.opponentsPassed + s.goal + s.lostBall + s.passQuality + s.shotQuality;
}
