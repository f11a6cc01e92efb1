// The football simulation: players and ball as struct-of-arrays, a fixed 0.1 s step,
// possession, kicks, tackles, keeper saves and the rules (goal, throw-in, goal kick,
// corner, kick-off). The built-in AI lives in ai.ts and writes target velocities and
// kick requests into the engine through the same primitives the agent uses.
//
// Hot path: step() allocates nothing; every per-player value is in a typed array.
import type { Rng } from '../core/rng.js';
import {
  Action, Kick, DIRECTION_X, DIRECTION_Y, GOAL_HALF_WIDTH, GOAL_HEIGHT, GameMode, LEFT, PENALTY_BOX_DEPTH,
  PENALTY_BOX_HALF_WIDTH, PHYS, PITCH_HALF_WIDTH, RIGHT, ROLES, type GameModeName, GAME_MODE_NAMES, hypot } from './constants.js';
import type { FootballScenario } from './scenarios.js';
import { aiStep } from './ai.js';

export { Kick, KICK_NAMES } from './constants.js';

/** What happened during the last step (reset at the start of each step). */
export interface StepEvents {
  /** Team that scored this step (0 left, 1 right), or -1. */
  goal: number;
  /** The ball left the pitch (or a goal was scored) this step. */
  outOfPlay: boolean;
  /** The team owning the ball changed (a team other than the last owner took it). */
  possessionChange: boolean;
  /** Team and kind of a kick taken this step (kickKind 0: none). */
  kickTeam: number;
  kickKind: number;
  /** Team whose pass reached a teammate this step (or -1), and the x it gained toward its target goal. */
  passCompleted: number;
  passProgress: number;
  /** Team whose pass was taken by the opponent this step, or -1. */
  passIntercepted: number;
  /** For a shot this step: on target (within posts and under the bar) and distance to the goal. */
  shotOnTarget: boolean;
  shotDistance: number;
  /** Team that won the ball with a tackle this step, or -1. */
  tackle: number;
  /** Team whose keeper saved (caught or parried) a shot this step, or -1. */
  save: number;
  /** Team that committed a foul (a slide from behind) this step, or -1. */
  foul: number;
}

export interface EngineConfig {
  scenario: FootballScenario;
  leftDifficulty: number;
  rightDifficulty: number;
  stochastic: boolean;
}

const HALF_W = PITCH_HALF_WIDTH;
const GK = ROLES.indexOf('GK');

/** Squared distance from (px, py) to the segment (ax, ay)-(bx, by); also sets `segT` to the closest point's parameter. */
let segT = 0;
export function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const ex = bx - ax, ey = by - ay;
  const len2 = ex * ex + ey * ey;
  let t = len2 > 0 ? ((px - ax) * ex + (py - ay) * ey) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  segT = t;
  const cx = ax + t * ex - px, cy = ay + t * ey - py;
  return cx * cx + cy * cy;
}

export class FootballEngine {
  readonly scenario: FootballScenario;
  /** Players: left team first (indices 0..nLeft-1), then the right team. */
  readonly n: number;
  readonly nLeft: number;
  readonly role: Uint8Array;
  readonly controllable: Uint8Array;
  readonly px: Float64Array;
  readonly py: Float64Array;
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  /** Facing direction (unit vector). */
  readonly dx: Float64Array;
  readonly dy: Float64Array;
  readonly stamina: Float32Array;
  readonly homeX: Float64Array;
  readonly homeY: Float64Array;
  /** > 0: sliding steps left; < 0: recovery steps left after a slide. */
  readonly slide: Int16Array;
  /** Steps during which the player cannot touch the ball. */
  readonly cooldown: Int16Array;
  /** Tackle pressure each player has built against the ball carrier. */
  readonly pressure: Float32Array;
  /** Target velocity and sprint flag chosen this step (agent or AI). */
  readonly tvx: Float64Array;
  readonly tvy: Float64Array;
  readonly sprinting: Uint8Array;
  /** Each team's goalkeeper index (or -1). */
  readonly keeper = new Int32Array(2);
  readonly difficulty = new Float64Array(2);
  readonly stochastic: boolean;

  bx = 0; by = 0; bz = 0; bvx = 0; bvy = 0; bvz = 0;
  private pbx = 0; private pby = 0; private pbz = 0;
  /** Player holding the ball, or -1. */
  owner = -1;
  ownerSteps = 0;
  lastTouchTeam = -1;
  lastOwnerTeam = -1;
  mode: number = GameMode.normal;
  /** Team taking the current set piece, its taker and the steps since it began. */
  modeTeam = -1;
  modeTaker = -1;
  modeTimer = 0;
  scoreLeft = 0;
  scoreRight = 0;
  steps = 0;
  /** The agent's player (left team) and its sticky controller state. */
  active = -1;
  stickyDir = 0;
  stickySprint = false;
  stickyDribble = false;
  /** The last kick in flight (for pass and shot outcomes). */
  pendingKind = 0;
  pendingTeam = -1;
  pendingKicker = -1;
  pendingFromX = 0;
  /** Steps since the last shot (keepers react after a delay), large when none. */
  shotAge = 1000;
  readonly ev: StepEvents = { goal: -1, outOfPlay: false, possessionChange: false, kickTeam: -1, kickKind: 0, passCompleted: -1, passProgress: 0, passIntercepted: -1, shotOnTarget: false, shotDistance: 0, tackle: -1, save: -1, foul: -1 };
  /** Starting ball x (the AI shifts its formation relative to it). */
  readonly ballStartX: number;
  rng: Rng;

  constructor(config: EngineConfig, rng: Rng) {
    const s = config.scenario;
    this.scenario = s;
    this.rng = rng;
    this.stochastic = config.stochastic;
    this.difficulty[LEFT] = config.leftDifficulty;
    this.difficulty[RIGHT] = config.rightDifficulty;
    this.nLeft = s.left.length;
    this.n = s.left.length + s.right.length;
    const n = this.n;
    this.role = new Uint8Array(n);
    this.controllable = new Uint8Array(n);
    this.px = new Float64Array(n); this.py = new Float64Array(n);
    this.vx = new Float64Array(n); this.vy = new Float64Array(n);
    this.dx = new Float64Array(n); this.dy = new Float64Array(n);
    this.stamina = new Float32Array(n);
    this.homeX = new Float64Array(n); this.homeY = new Float64Array(n);
    this.slide = new Int16Array(n); this.cooldown = new Int16Array(n);
    this.pressure = new Float32Array(n);
    this.tvx = new Float64Array(n); this.tvy = new Float64Array(n);
    this.sprinting = new Uint8Array(n);
    this.keeper.fill(-1);
    const all = [...s.left, ...s.right];
    all.forEach((p, i) => {
      this.role[i] = ROLES.indexOf(p.role);
      this.controllable[i] = i < this.nLeft && p.controllable !== false ? 1 : 0;
      this.homeX[i] = p.x; this.homeY[i] = p.y;
      const t = i < this.nLeft ? LEFT : RIGHT;
      if (p.role === 'GK' && this.keeper[t] === -1) this.keeper[t] = i;
    });
    this.ballStartX = s.ball[0];
    this.reset(rng);
  }

  teamOf(i: number): number {
    return i < this.nLeft ? LEFT : RIGHT;
  }

  /** Place everyone at the scenario's start and begin in its start mode. */
  reset(rng: Rng): void {
    this.rng = rng;
    const s = this.scenario;
    for (let i = 0; i < this.n; i++) {
      this.px[i] = this.homeX[i]!; this.py[i] = this.homeY[i]!;
      this.vx[i] = 0; this.vy[i] = 0;
      this.dx[i] = i < this.nLeft ? 1 : -1; this.dy[i] = 0;
      this.stamina[i] = 1; this.slide[i] = 0; this.cooldown[i] = 0; this.pressure[i] = 0;
      this.tvx[i] = 0; this.tvy[i] = 0; this.sprinting[i] = 0;
    }
    this.bx = s.ball[0]; this.by = s.ball[1]; this.bz = 0; this.bvx = 0; this.bvy = 0; this.bvz = 0;
    this.owner = -1; this.ownerSteps = 0; this.lastTouchTeam = -1; this.lastOwnerTeam = LEFT;
    this.scoreLeft = 0; this.scoreRight = 0; this.steps = 0;
    this.stickyDir = 0; this.stickySprint = false; this.stickyDribble = false;
    this.pendingKind = 0; this.pendingTeam = -1; this.pendingKicker = -1; this.shotAge = 1000;
    this.mode = GameMode.normal; this.modeTeam = -1; this.modeTaker = -1; this.modeTimer = 0;
    this.clearEvents();
    const start = s.startMode ?? 'normal';
    if (start === 'kick_off') {
      this.kickOff(LEFT, false);
    } else if (start !== 'normal') {
      this.startSetPiece(GAME_MODE_NAMES.indexOf(start), LEFT, this.bx, this.by, false);
    } else {
      // The nearest player within reach of the ball starts with it (GRF's drills start with the ball at the attacker's feet).
      let best = -1, bestD = 0.03;
      for (let i = 0; i < this.n; i++) {
        const d = hypot(this.px[i]! - this.bx, this.py[i]! - this.by);
        if (d < bestD) { bestD = d; best = i; }
      }
      if (best >= 0) this.giveBall(best);
    }
    this.active = -1;
    this.updateActive();
    this.clearEvents();
  }

  private clearEvents(): void {
    const e = this.ev;
    e.goal = -1; e.outOfPlay = false; e.possessionChange = false; e.kickTeam = -1; e.kickKind = 0;
    e.passCompleted = -1; e.passProgress = 0; e.passIntercepted = -1; e.shotOnTarget = false; e.shotDistance = 0;
    e.tackle = -1; e.save = -1; e.foul = -1;
  }

  /** Advance one step (0.1 s) with the agent's action for its active player. */
  step(action: number): void {
    this.clearEvents();
    this.steps++;
    this.modeTimer++;
    this.shotAge++;
    this.applyAgentAction(action);
    aiStep(this);
    this.movePlayers();
    this.moveBall();
    if (this.owner < 0) this.resolveLooseBall();
    else if (this.mode === GameMode.normal) this.resolveTackles();
    this.resolveSlides();
    this.applyRules();
    this.updateActive();
  }

  // ---- the agent ---------------------------------------------------------------------

  private applyAgentAction(action: number): void {
    const i = this.active;
    if (action >= 1 && action <= 8) this.stickyDir = action;
    else if (action === Action.release_direction) this.stickyDir = 0;
    else if (action === Action.sprint) this.stickySprint = true;
    else if (action === Action.release_sprint) this.stickySprint = false;
    else if (action === Action.dribble) this.stickyDribble = true;
    else if (action === Action.release_dribble) this.stickyDribble = false;
    if (i < 0) return;
    let ux = this.dx[i]!, uy = this.dy[i]!;
    if (this.stickyDir > 0) { ux = DIRECTION_X[this.stickyDir]!; uy = DIRECTION_Y[this.stickyDir]!; }
    if (this.owner === i) {
      if (action === Action.short_pass) this.passInDirection(i, Kick.short, ux, uy);
      else if (action === Action.long_pass) this.passInDirection(i, Kick.long, ux, uy);
      else if (action === Action.high_pass) this.passInDirection(i, Kick.high, ux, uy);
      else if (action === Action.shot) this.shoot(i, this.stickyDir > 0 ? uy : 0);
      else if (this.mode !== GameMode.normal && this.modeTaker === i && this.modeTimer >= PHYS.agentSetPieceTimeout) {
        this.passInDirection(i, this.mode === GameMode.corner ? Kick.high : Kick.short, this.teamOf(i) === LEFT ? 1 : -1, 0);
      }
    } else if (action === Action.sliding && this.slide[i] === 0 && this.mode === GameMode.normal) {
      if (this.stickyDir > 0) { this.dx[i] = ux; this.dy[i] = uy; }
      this.slide[i] = PHYS.slideSteps;
    }
    // Movement: the taker of a set piece stands still until the kick.
    if (this.owner === i && this.mode !== GameMode.normal) { this.tvx[i] = 0; this.tvy[i] = 0; this.sprinting[i] = 0; return; }
    if (this.stickyDir === 0) { this.tvx[i] = 0; this.tvy[i] = 0; this.sprinting[i] = 0; return; }
    let speed = this.stickySprint ? PHYS.sprintSpeed : PHYS.runSpeed;
    if (this.owner === i) speed *= this.stickyDribble ? PHYS.dribbleSpeedFactor : PHYS.carrySpeedFactor;
    speed *= 0.75 + 0.25 * this.stamina[i]!;
    this.tvx[i] = DIRECTION_X[this.stickyDir]! * speed;
    this.tvy[i] = DIRECTION_Y[this.stickyDir]! * speed;
    this.sprinting[i] = this.stickySprint ? 1 : 0;
  }

  /** The left player the agent controls: the ball carrier, else the nearest controllable player to the ball (with hysteresis). */
  private updateActive(): void {
    if (this.owner >= 0 && this.owner < this.nLeft && this.controllable[this.owner]) { this.active = this.owner; return; }
    let best = -1, bestD = Infinity, curD = Infinity, fallback = -1;
    const tx = this.bx + this.bvx * 3, ty = this.by + this.bvy * 3;
    for (let i = 0; i < this.nLeft; i++) {
      if (!this.controllable[i]) continue;
      if (fallback < 0) fallback = i;
      if (this.role[i] === GK && this.nLeft > 1) continue;
      const d = hypot(this.px[i]! - tx, this.py[i]! - ty);
      if (d < bestD) { bestD = d; best = i; }
      if (i === this.active) curD = d;
    }
    if (best < 0) best = fallback;
    if (this.active >= 0 && this.controllable[this.active] && this.active !== best && curD < bestD + 0.03) return;
    this.active = best;
  }

  // ---- kicks -------------------------------------------------------------------------

  /** Release the ball from `i` with the given velocity. */
  private release(i: number, kind: number, vx: number, vy: number, vz: number): void {
    const t = this.teamOf(i);
    this.owner = -1;
    this.ownerSteps = 0;
    this.bvx = vx; this.bvy = vy; this.bvz = vz;
    this.bz = Math.max(this.bz, 0.0001 * (vz > 0 ? 1 : 0));
    this.cooldown[i] = PHYS.kickCooldown;
    this.lastTouchTeam = t;
    this.pendingKind = kind; this.pendingTeam = t; this.pendingKicker = i; this.pendingFromX = this.bx;
    this.ev.kickTeam = t; this.ev.kickKind = kind;
    if (this.mode !== GameMode.normal) { this.mode = GameMode.normal; this.modeTeam = -1; this.modeTaker = -1; }
    if (kind === Kick.shot) this.shotAge = 0;
  }

  /** Best receiver for a pass of `kind` from `i` roughly along (ux, uy), or -1. */
  pickReceiver(i: number, kind: number, ux: number, uy: number): number {
    const t = this.teamOf(i);
    const lo = t === LEFT ? 0 : this.nLeft, hi = t === LEFT ? this.nLeft : this.n;
    const ideal = kind === Kick.short ? 0.22 : kind === Kick.long ? 0.5 : 0.45;
    const maxD = kind === Kick.short ? 0.55 : 1.4;
    let best = -1, bestScore = -Infinity;
    for (let j = lo; j < hi; j++) {
      if (j === i) continue;
      const ex = this.px[j]! - this.px[i]!, ey = this.py[j]! - this.py[i]!;
      const d = hypot(ex, ey);
      if (d < 0.03 || d > maxD) continue;
      const cos = (ex * ux + ey * uy) / d;
      if (cos < 0.35) continue;
      const score = cos * 1.5 - Math.abs(d - ideal) * 0.8 - (this.role[j] === GK ? 0.5 : 0);
      if (score > bestScore) { bestScore = score; best = j; }
    }
    return best;
  }

  /** Pass from `i` toward the best receiver along (ux, uy) (or blind along it when there is none). */
  passInDirection(i: number, kind: number, ux: number, uy: number): void {
    const r = this.pickReceiver(i, kind, ux, uy);
    if (r >= 0) this.passTo(i, kind, r);
    else this.kickToPoint(i, kind, this.bx + ux * 0.25, this.by + uy * 0.25);
  }

  /** Pass from `i` to teammate `r`, leading the receiver by its velocity. */
  passTo(i: number, kind: number, r: number): void {
    const d0 = hypot(this.px[r]! - this.bx, this.py[r]! - this.by);
    const lead = Math.min(d0 / 0.025, 12);
    this.kickToPoint(i, kind, this.px[r]! + this.vx[r]! * lead, this.py[r]! + this.vy[r]! * lead);
  }

  /** Kick from `i` so the ball arrives at (tx, ty): ground passes sized to arrive slowly, lofted ones to land there. */
  kickToPoint(i: number, kind: number, tx: number, ty: number): void {
    let ex = tx - this.bx, ey = ty - this.by;
    let d = hypot(ex, ey);
    if (d < 1e-6) { ex = this.dx[i]!; ey = this.dy[i]!; d = 1; }
    if (this.stochastic) {
      const spread = 0.04 * (1.2 - this.difficulty[this.teamOf(i)]!);
      const a = this.rng.normal(0, spread);
      const c = Math.cos(a), s = Math.sin(a);
      const nx = ex * c - ey * s, ny = ex * s + ey * c;
      ex = nx; ey = ny;
    }
    const ux = ex / d, uy = ey / d;
    this.dx[i] = ux; this.dy[i] = uy;
    if (kind === Kick.high) {
      const vh = Math.min(Math.max(d / 14, 0.015), 0.04);
      const flight = d / (vh * 0.95);
      this.release(i, kind, ux * vh, uy * vh, (PHYS.gravity * flight) / 2);
    } else {
      const max = kind === Kick.long ? 0.055 : PHYS.maxGroundPassSpeed;
      const v = Math.min(d * (1 - PHYS.groundFriction) + PHYS.passArrivalSpeed, max);
      this.release(i, kind, ux * v, uy * v, kind === Kick.long ? PHYS.longPassLift : 0);
    }
  }

  /**
   * Shoot from `i` at the opponent goal; `aimY` (-1..1) picks the top or bottom corner, 0 aims
   * at the corner farther from the keeper. `precision` < 1 aims that much closer to the centre
   * (the built-in AI shoots with 0.45 + 0.55 x difficulty; the agent with 1).
   */
  shoot(i: number, aimY: number, precision = 1): void {
    const t = this.teamOf(i);
    const gx = t === LEFT ? 1 : -1;
    const k = this.keeper[1 - t]!;
    const corner = GOAL_HALF_WIDTH * 0.85 * precision;
    let ty: number;
    if (aimY !== 0) ty = Math.sign(aimY) * corner;
    else if (k >= 0 && Math.abs(this.px[k]! - gx) < 0.3) ty = this.openCorner(t) * corner;
    else ty = Math.max(-GOAL_HALF_WIDTH * 0.5, Math.min(GOAL_HALF_WIDTH * 0.5, this.by));
    const dist = hypot(gx - this.bx, ty - this.by);
    let ex = gx - this.bx, ey = ty - this.by;
    let speed = PHYS.shotSpeed;
    let lift = PHYS.shotLift;
    // Longer shots are harder to keep on target: aim error grows with distance (always, not only when stochastic).
    if (this.stochastic) {
      const a = this.rng.normal(0, 0.02 + 0.06 * dist * (1.2 - this.difficulty[t]!));
      const c = Math.cos(a), s = Math.sin(a);
      const nx = ex * c - ey * s, ny = ex * s + ey * c;
      ex = nx; ey = ny;
      speed *= this.rng.uniform(0.9, 1.05);
      lift *= this.rng.uniform(0.5, 1.8);
    }
    const d = hypot(ex, ey);
    this.release(i, Kick.shot, (ex / d) * speed, (ey / d) * speed, lift);
    this.dx[i] = ex / d; this.dy[i] = ey / d;
    const yAt = this.by + (ey / ex) * (gx - this.bx);
    this.ev.shotOnTarget = Math.abs(yAt) < GOAL_HALF_WIDTH && lift < 0.02;
    this.ev.shotDistance = dist;
  }

  /**
   * The goal corner (-1 top, +1 bottom) farther from the opposing keeper's reach when team
   * `t` shoots from the ball's position, and (in `lastGap`) the keeper's distance to that shot's path.
   */
  openCorner(t: number): number {
    const gx = t === LEFT ? 1 : -1;
    const k = this.keeper[1 - t]!;
    if (k < 0) { this.lastGap = Infinity; return this.by >= 0 ? -1 : 1; }
    const y = GOAL_HALF_WIDTH * 0.85;
    const top = segDist2(this.px[k]!, this.py[k]!, this.bx, this.by, gx, -y);
    const bottom = segDist2(this.px[k]!, this.py[k]!, this.bx, this.by, gx, y);
    this.lastGap = Math.sqrt(Math.max(top, bottom));
    return top > bottom ? -1 : 1;
  }
  lastGap = 0;

  /**
   * Where player `i` (running at `speed` per step) can first reach the loose ball, following
   * its friction-slowed path; written to `interceptX/Y`, steps in `interceptSteps`.
   */
  intercept(i: number, speed: number): void {
    const air = this.bz > 0.001 || this.bvz > 0;
    const k = air ? PHYS.airDrag : PHYS.groundFriction;
    let f = 1, sum = 0, x = this.bx, y = this.by;
    for (let n = 1; n <= 40; n++) {
      sum += f; f *= k;
      x = this.bx + this.bvx * sum; y = this.by + this.bvy * sum;
      if (hypot(x - this.px[i]!, y - this.py[i]!) <= speed * n + PHYS.controlRadius) { this.interceptSteps = n; break; }
      this.interceptSteps = n;
    }
    this.interceptX = x; this.interceptY = y;
  }
  interceptX = 0;
  interceptY = 0;
  interceptSteps = 0;

  // ---- movement ----------------------------------------------------------------------

  private movePlayers(): void {
    const a = PHYS.acceleration;
    for (let i = 0; i < this.n; i++) {
      const sl = this.slide[i]!;
      if (sl > 0) {
        const f = PHYS.slideSpeed * (0.5 + (0.5 * sl) / PHYS.slideSteps);
        this.vx[i] = this.dx[i]! * f; this.vy[i] = this.dy[i]! * f;
        this.slide[i] = sl === 1 ? -PHYS.slideRecoverySteps : sl - 1;
      } else if (sl < 0) {
        this.vx[i]! *= 0.4; this.vy[i]! *= 0.4;
        this.slide[i] = sl + 1;
      } else {
        this.vx[i]! += (this.tvx[i]! - this.vx[i]!) * a;
        this.vy[i]! += (this.tvy[i]! - this.vy[i]!) * a;
      }
      let x = this.px[i]! + this.vx[i]!, y = this.py[i]! + this.vy[i]!;
      x = x < -1.08 ? -1.08 : x > 1.08 ? 1.08 : x;
      y = y < -0.48 ? -0.48 : y > 0.48 ? 0.48 : y;
      this.px[i] = x; this.py[i] = y;
      const sp2 = this.vx[i]! * this.vx[i]! + this.vy[i]! * this.vy[i]!;
      if (sp2 > 4e-6 && sl === 0) {
        const sp = Math.sqrt(sp2);
        this.dx[i] = this.vx[i]! / sp; this.dy[i] = this.vy[i]! / sp;
      }
      if (this.sprinting[i] && sp2 > 1e-4) this.stamina[i] = Math.max(0, this.stamina[i]! - PHYS.staminaSprintCost);
      else this.stamina[i] = Math.min(1, this.stamina[i]! + PHYS.staminaRecovery);
      if (this.cooldown[i]! > 0) this.cooldown[i]!--;
    }
  }

  private moveBall(): void {
    this.pbx = this.bx; this.pby = this.by; this.pbz = this.bz;
    const o = this.owner;
    if (o >= 0) {
      this.bx = this.px[o]! + this.dx[o]! * PHYS.carryDistance;
      this.by = this.py[o]! + this.dy[o]! * PHYS.carryDistance;
      this.bz = 0; this.bvx = this.vx[o]!; this.bvy = this.vy[o]!; this.bvz = 0;
      this.ownerSteps++;
      return;
    }
    this.bx += this.bvx; this.by += this.bvy; this.bz += this.bvz;
    if (this.bz > 0 || this.bvz !== 0) {
      this.bvz -= PHYS.gravity;
      this.bvx *= PHYS.airDrag; this.bvy *= PHYS.airDrag;
      if (this.bz <= 0) {
        this.bz = 0;
        this.bvz = -this.bvz > 0.004 ? -this.bvz * PHYS.bounce : 0;
        this.bvx *= 0.85; this.bvy *= 0.85;
      }
    } else {
      this.bvx *= PHYS.groundFriction; this.bvy *= PHYS.groundFriction;
      if (this.bvx * this.bvx + this.bvy * this.bvy < PHYS.stopSpeed * PHYS.stopSpeed) { this.bvx = 0; this.bvy = 0; }
    }
  }

  // ---- possession --------------------------------------------------------------------

  /** Hand the ball to player `i` (pickups, tackles, saves, set pieces). */
  giveBall(i: number): void {
    const t = this.teamOf(i);
    if (this.lastOwnerTeam !== -1 && this.lastOwnerTeam !== t) this.ev.possessionChange = true;
    if (this.pendingKind !== 0 && this.pendingKind !== Kick.shot) {
      if (this.pendingTeam === t && i !== this.pendingKicker) {
        this.ev.passCompleted = t;
        this.ev.passProgress = (this.bx - this.pendingFromX) * (t === LEFT ? 1 : -1);
      } else if (this.pendingTeam !== t) this.ev.passIntercepted = this.pendingTeam;
    }
    this.pendingKind = 0;
    this.owner = i;
    this.ownerSteps = 0;
    this.lastOwnerTeam = t;
    this.lastTouchTeam = t;
    this.bz = 0; this.bvz = 0;
    this.bvx = this.vx[i]!; this.bvy = this.vy[i]!;
    for (let j = 0; j < this.n; j++) this.pressure[j] = 0;
  }

  private resolveLooseBall(): void {
    // Keepers first: inside their own box they reach further and higher, and catch or parry shots.
    for (let t = 0; t < 2; t++) {
      const k = this.keeper[t]!;
      if (k < 0 || this.cooldown[k]! > 0) continue;
      const goalX = t === LEFT ? -1 : 1;
      if (Math.abs(this.px[k]! - goalX) > PENALTY_BOX_DEPTH || Math.abs(this.py[k]!) > PENALTY_BOX_HALF_WIDTH) continue;
      if (this.bz > PHYS.keeperReachHeight && this.pbz > PHYS.keeperReachHeight) continue;
      const speed = hypot(this.bvx, this.bvy);
      const fromOpponent = this.lastTouchTeam !== t;
      const reach = fromOpponent ? PHYS.keeperReach + PHYS.keeperDiveReach * this.difficulty[t]! : PHYS.controlRadius;
      if (segDist2(this.px[k]!, this.py[k]!, this.pbx, this.pby, this.bx, this.by) > reach * reach) continue;
      if (!fromOpponent || speed < PHYS.keeperCatchSpeed) {
        if (fromOpponent && this.pendingKind === Kick.shot) this.ev.save = t;
        this.giveBall(k);
      } else {
        // Parry: the ball bounces back off the keeper, out toward the side it was heading.
        this.ev.save = t;
        this.pendingKind = 0;
        this.bx = this.pbx + (this.bx - this.pbx) * segT; this.by = this.pby + (this.by - this.pby) * segT;
        // Pushed wide, away from goal: usually out for a corner or far from the shooter.
        const side = this.by >= this.py[k]! ? 1 : -1;
        this.bvx = -this.bvx * 0.1; this.bvy = side * 0.028; this.bvz = 0.008;
        this.lastTouchTeam = t;
        this.cooldown[k] = PHYS.kickCooldown;
      }
      return;
    }
    // Outfield players: the nearest to the ball's path this step takes it.
    const speed = hypot(this.bvx, this.bvy);
    const r = speed > PHYS.fastBallSpeed ? PHYS.fastControlRadius : PHYS.controlRadius;
    if (this.bz > PHYS.playerReachHeight && this.pbz > PHYS.playerReachHeight) return;
    let best = -1, bestD = r * r, bestT = 2;
    for (let i = 0; i < this.n; i++) {
      if (this.cooldown[i]! > 0 || this.slide[i]! !== 0) continue;
      const d = segDist2(this.px[i]!, this.py[i]!, this.pbx, this.pby, this.bx, this.by);
      // The first player along the path takes it (an interception), ties by distance.
      if (d < r * r && (segT < bestT - 1e-9 || (Math.abs(segT - bestT) < 1e-9 && d < bestD))) { best = i; bestD = d; bestT = segT; }
    }
    if (best >= 0) this.giveBall(best);
  }

  private resolveTackles(): void {
    const o = this.owner;
    const t = this.teamOf(o);
    const lo = t === LEFT ? this.nLeft : 0, hi = t === LEFT ? this.n : this.nLeft;
    const r2 = PHYS.tackleRadius * PHYS.tackleRadius;
    let protect = 1;
    if (o === this.active) protect = this.stickyDribble ? 0.45 : this.stickySprint ? 1.3 : 1;
    else protect = 1.1 - 0.4 * this.difficulty[t]!;
    for (let j = lo; j < hi; j++) {
      if (this.cooldown[j]! > 0 || this.slide[j]! !== 0) { this.pressure[j] = 0; continue; }
      const ex = this.px[j]! - this.bx, ey = this.py[j]! - this.by;
      if (ex * ex + ey * ey > r2) { this.pressure[j]! *= 0.5; continue; }
      const skill = j < this.nLeft && j === this.active ? 0.6 : this.difficulty[this.teamOf(j)]!;
      let inc = (0.3 + 0.4 * skill) * protect;
      if (this.stochastic) inc *= this.rng.uniform(0.4, 1.6);
      this.pressure[j]! += inc;
      if (this.pressure[j]! >= 1) {
        this.cooldown[o] = PHYS.tackledCooldown;
        this.giveBall(j);
        this.ev.tackle = this.teamOf(j);
        return;
      }
    }
  }

  /**
   * Sliding players knock away a ball within reach (loose or carried by an opponent); sliding
   * into a carrier from behind is a foul: a free kick for the carrier's team.
   */
  private resolveSlides(): void {
    for (let i = 0; i < this.n; i++) {
      if (this.slide[i]! <= 0 || this.bz > PHYS.playerReachHeight) continue;
      const t = this.teamOf(i);
      if (this.owner >= 0 && this.teamOf(this.owner) === t) continue;
      const ex = this.px[i]! - this.bx, ey = this.py[i]! - this.by;
      if (ex * ex + ey * ey > PHYS.slideReach * PHYS.slideReach) continue;
      if (this.owner >= 0) {
        const o = this.owner;
        // Sliding the way the carrier faces means coming from behind: a foul, free kick to his team.
        if (this.dx[i]! * this.dx[o]! + this.dy[i]! * this.dy[o]! > 0.5) {
          this.ev.foul = t;
          this.slide[i] = -PHYS.slideRecoverySteps;
          this.startSetPiece(GameMode.freeKick, this.teamOf(o), this.bx, this.by, true);
          return;
        }
        this.cooldown[o] = PHYS.tackledCooldown;
        this.ev.tackle = t;
        if (this.lastOwnerTeam !== t) this.ev.possessionChange = true;
        this.lastOwnerTeam = t;
      }
      this.owner = -1;
      this.ownerSteps = 0;
      this.pendingKind = 0;
      this.bvx = this.dx[i]! * 0.014; this.bvy = this.dy[i]! * 0.014; this.bvz = 0;
      this.lastTouchTeam = t;
      this.slide[i] = -PHYS.slideRecoverySteps;
      this.cooldown[i] = 2;
      return;
    }
  }

  // ---- rules -------------------------------------------------------------------------

  private applyRules(): void {
    const bx = this.bx, by = this.by;
    if (bx > 1 || bx < -1) {
      const side = bx > 1 ? 1 : -1;
      // Where and how high the ball crossed the goal line this step.
      const span = bx - this.pbx;
      const f = Math.abs(span) > 1e-9 ? (side - this.pbx) / span : 1;
      const yc = this.pby + (by - this.pby) * f, zc = this.pbz + (this.bz - this.pbz) * f;
      if (Math.abs(yc) < GOAL_HALF_WIDTH && zc < GOAL_HEIGHT) {
        const scorer = side === 1 ? LEFT : RIGHT;
        if (scorer === LEFT) this.scoreLeft++; else this.scoreRight++;
        this.ev.goal = scorer;
        this.ev.outOfPlay = true;
        this.recordGoalMoment(side, yc, zc);
        this.kickOff(1 - scorer, true);
        return;
      }
      const defending = side === 1 ? RIGHT : LEFT;
      this.ev.outOfPlay = true;
      if (this.lastTouchTeam === defending) this.startSetPiece(GameMode.corner, 1 - defending, side * 0.995, (yc >= 0 ? 1 : -1) * (HALF_W - 0.005), true);
      else this.startSetPiece(GameMode.goalKick, defending, side * 0.895, 0, true);
      return;
    }
    if (by > HALF_W || by < -HALF_W) {
      this.ev.outOfPlay = true;
      const team = this.lastTouchTeam === LEFT ? RIGHT : LEFT;
      this.startSetPiece(GameMode.throwIn, team, Math.max(-0.99, Math.min(0.99, bx)), by > 0 ? HALF_W : -HALF_W, true);
    }
  }

  /** Restart: the ball at (x, y), a taker of `team` on it; the game waits for the taker's kick. */
  startSetPiece(mode: number, team: number, x: number, y: number, countChange: boolean): void {
    this.bx = x; this.by = y; this.bz = 0; this.bvx = 0; this.bvy = 0; this.bvz = 0;
    this.owner = -1;
    this.pendingKind = 0;
    const lo = team === LEFT ? 0 : this.nLeft, hi = team === LEFT ? this.nLeft : this.n;
    let taker = -1, bestD = Infinity;
    if (mode === GameMode.goalKick && this.keeper[team]! >= 0) taker = this.keeper[team]!;
    else {
      for (let i = lo; i < hi; i++) {
        if (this.role[i] === GK && hi - lo > 1) continue;
        const d = hypot(this.px[i]! - x, this.py[i]! - y);
        if (d < bestD) { bestD = d; taker = i; }
      }
    }
    // Stand just behind the ball, facing into the pitch.
    const inx = mode === GameMode.throwIn ? 0 : -Math.sign(x) || (team === LEFT ? 1 : -1);
    const iny = mode === GameMode.throwIn || mode === GameMode.corner ? -Math.sign(y) : 0;
    const il = hypot(inx, iny) || 1;
    this.dx[taker] = inx / il; this.dy[taker] = iny / il;
    this.px[taker] = x - this.dx[taker]! * PHYS.carryDistance; this.py[taker] = y - this.dy[taker]! * PHYS.carryDistance;
    this.vx[taker] = 0; this.vy[taker] = 0; this.slide[taker] = 0; this.cooldown[taker] = 0;
    if (!countChange) this.lastOwnerTeam = team;
    this.giveBall(taker);
    this.bx = x; this.by = y;
    this.mode = mode; this.modeTeam = team; this.modeTaker = taker; this.modeTimer = 0;
  }

  /** Everyone back to the starting formation; `team` kicks off from the centre spot. */
  kickOff(team: number, countChange: boolean): void {
    for (let i = 0; i < this.n; i++) {
      const left = i < this.nLeft;
      // Kick-off positions: each team inside its own half.
      this.px[i] = left ? Math.min(this.homeX[i]!, -0.01) : Math.max(this.homeX[i]!, 0.01);
      this.py[i] = this.homeY[i]!;
      if (this.role[i] !== GK && hypot(this.px[i]!, this.py[i]!) < 0.18 && !(left === (team === LEFT))) this.px[i] = left ? -0.19 : 0.19;
      this.vx[i] = 0; this.vy[i] = 0; this.slide[i] = 0; this.cooldown[i] = 0; this.pressure[i] = 0;
      this.dx[i] = left ? 1 : -1; this.dy[i] = 0;
    }
    this.startSetPiece(GameMode.kickOff, team, 0, 0, countChange);
  }

  // ---- views -------------------------------------------------------------------------

  get modeName(): GameModeName {
    return GAME_MODE_NAMES[this.mode]!;
  }

  /** Steps left in the game. */
  get stepsLeft(): number {
    return Math.max(0, this.scenario.gameDuration - this.steps);
  }

  /**
   * The scene of the last goal, kept for the renderer: the players where they stood and
   * the ball in the net, at step `step` (the kick-off is set up in the same step, so
   * without it no frame ever shows the goal). Drawn when `ev.goal >= 0`.
   */
  goalMoment: { step: number; px: Float64Array; py: Float64Array; bx: number; by: number; bz: number } | null = null;

  private recordGoalMoment(side: number, yc: number, zc: number): void {
    const g = this.goalMoment && this.goalMoment.px.length === this.n ? this.goalMoment
      : (this.goalMoment = { step: 0, px: new Float64Array(this.n), py: new Float64Array(this.n), bx: 0, by: 0, bz: 0 });
    g.step = this.steps;
    g.px.set(this.px); g.py.set(this.py);
    // Just behind the line where it crossed (the net is 0.035 deep).
    g.bx = side * Math.min(Math.abs(this.bx), 1.02);
    g.by = Math.max(-GOAL_HALF_WIDTH, Math.min(GOAL_HALF_WIDTH, yc));
    g.bz = Math.max(0, zc);
  }

  /** Shirt number (1-based within its team) of player `i`. */
  numberOf(i: number): number {
    return i < this.nLeft ? i + 1 : i - this.nLeft + 1;
  }
}
