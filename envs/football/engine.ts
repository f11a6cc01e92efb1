// The football simulation: players and ball as struct-of-arrays, a fixed 0.1 s step,
// possession, kicks, tackles, keeper saves and the rules (goal, throw-in, goal kick,
// corner, kick-off, offside, fouls, penalty kicks, yellow and red cards, half time, full
// time). The built-in AI lives in ai.ts and writes target velocities and kick requests
// into the engine through the same primitives the agent uses.
//
// Hot path: step() allocates nothing; every per-player value is in a typed array.
import type { Rng } from '../core/rng.js';
import {
  Action, Kick, DIRECTION_X, DIRECTION_Y, GOAL_HALF_WIDTH, GOAL_HEIGHT, GameMode, LEFT, PENALTY_BOX_DEPTH,
  PENALTY_BOX_HALF_WIDTH, PENALTY_SPOT_DISTANCE, PHYS, PITCH_HALF_WIDTH, RIGHT, ROLES, RULES, type GameModeName, GAME_MODE_NAMES, hypot } from './constants.js';
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
  /** Team that committed a foul this step, or -1 (the free kick or penalty follows at once). */
  foul: number;
  /** Team caught offside this step (an indirect free kick to the other team follows), or -1. */
  offside: number;
  /** Team awarded a penalty kick this step, or -1. */
  penalty: number;
  /** Player shown a yellow card this step, or -1. */
  yellow: number;
  /** Player sent off this step (a straight red or a second yellow), or -1. */
  red: number;
  /** Half time was reached this step: sides switched, kick-off for the other team. */
  halfTime: boolean;
  /** Full time was reached this step (matches: the game is over). */
  fullTime: boolean;
}

/** Per-team counts over the game (index 0 left, 1 right); reset with the engine. */
export interface MatchStats {
  fouls: Int32Array;
  yellowCards: Int32Array;
  redCards: Int32Array;
  /** Times the team was caught offside. */
  offsides: Int32Array;
  /** Penalty kicks awarded to the team, and those it scored. */
  penalties: Int32Array;
  penaltyGoals: Int32Array;
  shots: Int32Array;
}

export interface EngineConfig {
  scenario: FootballScenario;
  leftDifficulty: number;
  rightDifficulty: number;
  stochastic: boolean;
  /** Steps in the game; default the scenario's `gameDuration`. Matches have half time at half of it. */
  gameDuration?: number;
}

const HALF_W = PITCH_HALF_WIDTH;
const GK = ROLES.indexOf('GK');
/** A restart spot on the pitch. */
const clampX = (x: number): number => (x < -0.99 ? -0.99 : x > 0.99 ? 0.99 : x);
const clampY = (y: number): number => (y < -HALF_W + 0.005 ? -HALF_W + 0.005 : y > HALF_W - 0.005 ? HALF_W - 0.005 : y);

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
  /** 1 while the player is on the pitch; 0 once sent off (he stands on the bench and takes no part). */
  readonly onPitch: Uint8Array;
  /** Yellow cards shown to each player (0, 1; a second one sends him off). */
  readonly yellow: Uint8Array;
  /** 1 for a player sent off (straight red or second yellow). */
  readonly red: Uint8Array;
  /** Lazy players (GRF's `lazy`) never move; they still take a ball that comes within reach. */
  readonly lazy: Uint8Array;
  /** Offside positions at the moment of the last pass of `offsideTeam` (1: offside position). */
  readonly offsidePos: Uint8Array;
  /** Team whose pass is being judged for offside (until the ball is next played), or -1. */
  offsideTeam = -1;
  /** Offside is judged (the scenario's `offsides`). */
  readonly offsides: boolean;
  /** Steps in the game and the step that ends the first half (0: no half time). */
  readonly gameDuration: number;
  readonly halfTimeStep: number;
  /** 1 or 2. In the second half the teams have switched ends (all views stay in the agent's frame). */
  half = 1;
  /** Team that kicked off the first half (the other one kicks off the second). */
  firstKickOff = LEFT;
  /** When true, the built-in AI also plays the agent's active player and step()'s action is ignored. */
  autopilot = false;
  readonly stats: MatchStats = {
    fouls: new Int32Array(2), yellowCards: new Int32Array(2), redCards: new Int32Array(2), offsides: new Int32Array(2),
    penalties: new Int32Array(2), penaltyGoals: new Int32Array(2), shots: new Int32Array(2),
  };

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
  /** The current free kick is indirect (after offside): a goal straight from it does not count. */
  modeIndirect = false;
  /** The restart mode the ball in flight was kicked from (0: open play), cleared by the next touch. */
  flightFrom = 0;
  flightIndirect = false;
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
  readonly ev: StepEvents = {
    goal: -1, outOfPlay: false, possessionChange: false, kickTeam: -1, kickKind: 0, passCompleted: -1, passProgress: 0, passIntercepted: -1,
    shotOnTarget: false, shotDistance: 0, tackle: -1, save: -1, foul: -1, offside: -1, penalty: -1, yellow: -1, red: -1, halfTime: false, fullTime: false,
  };
  /** Starting ball x (the AI shifts its formation relative to it). */
  readonly ballStartX: number;
  rng: Rng;

  constructor(config: EngineConfig, rng: Rng) {
    const s = config.scenario;
    this.scenario = s;
    this.rng = rng;
    this.stochastic = config.stochastic;
    this.offsides = s.offsides ?? s.kind === 'match';
    this.gameDuration = config.gameDuration ?? s.gameDuration;
    this.halfTimeStep = (s.halfTime ?? s.kind === 'match') && this.gameDuration >= 2 ? Math.floor(this.gameDuration / 2) : 0;
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
    this.onPitch = new Uint8Array(n); this.yellow = new Uint8Array(n); this.red = new Uint8Array(n);
    this.lazy = new Uint8Array(n); this.offsidePos = new Uint8Array(n);
    this.keeper.fill(-1);
    const all = [...s.left, ...s.right];
    all.forEach((p, i) => {
      this.role[i] = ROLES.indexOf(p.role);
      this.controllable[i] = i < this.nLeft && p.controllable !== false ? 1 : 0;
      this.homeX[i] = p.x; this.homeY[i] = p.y;
      this.lazy[i] = p.lazy ? 1 : 0;
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
    this.keeper.fill(-1);
    for (let i = 0; i < this.n; i++) {
      this.onPitch[i] = 1; this.yellow[i] = 0; this.red[i] = 0; this.offsidePos[i] = 0;
      const t = i < this.nLeft ? LEFT : RIGHT;
      if (this.role[i] === GK && this.keeper[t] === -1) this.keeper[t] = i;
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
    this.modeIndirect = false; this.flightFrom = 0; this.flightIndirect = false; this.offsideTeam = -1;
    this.half = 1; this.firstKickOff = LEFT;
    const st = this.stats;
    st.fouls.fill(0); st.yellowCards.fill(0); st.redCards.fill(0); st.offsides.fill(0); st.penalties.fill(0); st.penaltyGoals.fill(0); st.shots.fill(0);
    this.clearEvents();
    const start = s.startMode ?? 'normal';
    if (start === 'kick_off') {
      this.kickOff(LEFT, false);
    } else if (start === 'penalty') {
      this.startPenalty(LEFT, -1, false);
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
    e.tackle = -1; e.save = -1; e.foul = -1; e.offside = -1; e.penalty = -1; e.yellow = -1; e.red = -1;
    e.halfTime = false; e.fullTime = false;
  }

  /** Advance one step (0.1 s) with the agent's action for its active player. */
  step(action: number): void {
    this.clearEvents();
    this.steps++;
    this.modeTimer++;
    this.shotAge++;
    if (!this.autopilot) this.applyAgentAction(action);
    aiStep(this);
    this.movePlayers();
    this.moveBall();
    if (this.owner < 0) this.resolveLooseBall();
    else if (this.mode === GameMode.normal) this.resolveTackles();
    this.resolveSlides();
    this.applyRules();
    if (this.steps === this.halfTimeStep) this.startSecondHalf();
    if (this.steps === this.gameDuration) this.ev.fullTime = true;
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
        if (this.mode === GameMode.penalty) this.shoot(i, 0);
        else this.passInDirection(i, this.mode === GameMode.corner ? Kick.high : Kick.short, this.teamOf(i) === LEFT ? 1 : -1, 0);
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
      if (!this.controllable[i] || !this.onPitch[i]) continue;
      if (fallback < 0) fallback = i;
      if (this.role[i] === GK && this.nLeft > 1) continue;
      const d = hypot(this.px[i]! - tx, this.py[i]! - ty);
      if (d < bestD) { bestD = d; best = i; }
      if (i === this.active) curD = d;
    }
    if (best < 0) best = fallback;
    if (this.active >= 0 && this.controllable[this.active] && this.onPitch[this.active] && this.active !== best && curD < bestD + 0.03) return;
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
    const m = this.mode;
    // Offside is judged at the moment of the pass (never straight from a throw-in, goal kick or corner).
    if (this.offsides && m !== GameMode.throwIn && m !== GameMode.goalKick && m !== GameMode.corner) this.markOffside(i);
    else this.offsideTeam = -1;
    this.flightFrom = m; this.flightIndirect = this.modeIndirect;
    if (m !== GameMode.normal) { this.mode = GameMode.normal; this.modeTeam = -1; this.modeTaker = -1; this.modeIndirect = false; }
    if (kind === Kick.shot) { this.shotAge = 0; this.stats.shots[t]!++; }
  }

  /**
   * Flag the kicker's teammates in an offside position: in the opponents' half, nearer to
   * their goal line than both the ball and the second-last opponent (level is onside).
   */
  private markOffside(kicker: number): void {
    const t = this.teamOf(kicker), G = t === LEFT ? 1 : -1;
    const limit = this.onsideLimit(t);
    const lo = t === LEFT ? 0 : this.nLeft, hi = t === LEFT ? this.nLeft : this.n;
    let any = false;
    for (let j = lo; j < hi; j++) {
      const off = j !== kicker && this.onPitch[j] === 1 && this.px[j]! * G > limit;
      this.offsidePos[j] = off ? 1 : 0;
      if (off) any = true;
    }
    this.offsideTeam = any ? t : -1;
  }

  /**
   * The x (in team t's attacking direction, so larger is nearer the opponents' goal) of the
   * second-last opponent on the pitch; -Infinity when the opponents have fewer than two players.
   */
  offsideLine(t: number): number {
    const G = t === LEFT ? 1 : -1;
    const lo = t === LEFT ? this.nLeft : 0, hi = t === LEFT ? this.n : this.nLeft;
    let last = -Infinity, second = -Infinity;
    for (let j = lo; j < hi; j++) {
      if (!this.onPitch[j]) continue;
      const x = this.px[j]! * G;
      if (x > last) { second = last; last = x; } else if (x > second) second = x;
    }
    return second;
  }

  /**
   * The farthest x (in team t's attacking direction) a player of team t can stand onside
   * now: the halfway line, the ball or the second-last opponent, whichever is farthest;
   * Infinity where offside is not judged.
   */
  onsideLimit(t: number): number {
    if (!this.offsides) return Infinity;
    const G = t === LEFT ? 1 : -1;
    return Math.max(0, this.bx * G, this.offsideLine(t));
  }

  /** Player i is in an offside position now (always false where offside is not judged). */
  inOffsidePosition(i: number): boolean {
    const t = this.teamOf(i);
    return this.px[i]! * (t === LEFT ? 1 : -1) > this.onsideLimit(t);
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
      if (!this.onPitch[i]) continue;
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
    // Any touch ends the offside judgment of the last pass and the restart the ball came from.
    this.offsideTeam = -1; this.flightFrom = 0; this.flightIndirect = false;
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
        this.takeLoose(k);
      } else {
        // Parry: the ball bounces back off the keeper, out toward the side it was heading.
        this.ev.save = t;
        this.pendingKind = 0;
        this.bx = this.pbx + (this.bx - this.pbx) * segT; this.by = this.pby + (this.by - this.pby) * segT;
        // Pushed wide, away from goal: usually out for a corner or far from the shooter.
        const side = this.by >= this.py[k]! ? 1 : -1;
        this.bvx = -this.bvx * 0.1; this.bvy = side * 0.028; this.bvz = 0.008;
        this.lastTouchTeam = t;
        // A save is not a deliberate play: an offside judgment stands, but the ball no longer comes straight from a restart.
        this.flightFrom = 0; this.flightIndirect = false;
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
      if (this.cooldown[i]! > 0 || this.slide[i]! !== 0 || !this.onPitch[i]) continue;
      const d = segDist2(this.px[i]!, this.py[i]!, this.pbx, this.pby, this.bx, this.by);
      // The first player along the path takes it (an interception), ties by distance.
      if (d < r * r && (segT < bestT - 1e-9 || (Math.abs(segT - bestT) < 1e-9 && d < bestD))) { best = i; bestD = d; bestT = segT; }
    }
    if (best >= 0) this.takeLoose(best);
  }

  /** Player i takes the loose ball, unless he was in an offside position at the last pass of his team. */
  private takeLoose(i: number): void {
    if (this.offsideTeam >= 0 && this.offsidePos[i] === 1 && this.teamOf(i) === this.offsideTeam) this.callOffside(i);
    else this.giveBall(i);
  }

  /** Offside: an indirect free kick to the other team where the offending player became involved. */
  private callOffside(j: number): void {
    const t = this.teamOf(j);
    this.ev.offside = t;
    this.stats.offsides[t]!++;
    this.startSetPiece(GameMode.freeKick, 1 - t, clampX(this.px[j]!), clampY(this.py[j]!), true);
    this.modeIndirect = true;
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
      if (this.cooldown[j]! > 0 || this.slide[j]! !== 0 || !this.onPitch[j]) { this.pressure[j] = 0; continue; }
      const ex = this.px[j]! - this.bx, ey = this.py[j]! - this.by;
      if (ex * ex + ey * ey > r2) { this.pressure[j]! *= 0.5; continue; }
      const skill = j < this.nLeft && j === this.active ? 0.6 : this.difficulty[this.teamOf(j)]!;
      let inc = (0.3 + 0.4 * skill) * protect;
      if (this.stochastic) inc *= this.rng.uniform(0.4, 1.6);
      this.pressure[j]! += inc;
      if (this.pressure[j]! >= 1) {
        // A tackle from behind the carrier can be careless (stochastic mode): a foul instead.
        if (this.stochastic && (this.px[j]! - this.px[o]!) * this.dx[o]! + (this.py[j]! - this.py[o]!) * this.dy[o]! < -RULES.behindMargin
          && this.rng.next() < RULES.carelessFoul * (1.2 - skill)) {
          this.commitFoul(j, o, false);
          return;
        }
        this.cooldown[o] = PHYS.tackledCooldown;
        this.giveBall(j);
        this.ev.tackle = this.teamOf(j);
        return;
      }
    }
  }

  /**
   * Sliding players knock away a ball within reach (loose or carried by an opponent); sliding
   * into a carrier from behind is a foul (reckless, a yellow card, from nearly straight
   * behind): a free kick for the carrier's team (a penalty kick inside the fouler's box).
   */
  private resolveSlides(): void {
    for (let i = 0; i < this.n; i++) {
      if (this.slide[i]! <= 0 || this.bz > PHYS.playerReachHeight || !this.onPitch[i]) continue;
      const t = this.teamOf(i);
      if (this.owner >= 0 && this.teamOf(this.owner) === t) continue;
      const ex = this.px[i]! - this.bx, ey = this.py[i]! - this.by;
      if (ex * ex + ey * ey > PHYS.slideReach * PHYS.slideReach) continue;
      if (this.owner >= 0) {
        const o = this.owner;
        // Sliding the way the carrier faces means coming from behind: a foul, free kick to his
        // team; from nearly straight behind (within about 46 degrees) it is reckless: a yellow card.
        const cos = this.dx[i]! * this.dx[o]! + this.dy[i]! * this.dy[o]!;
        if (cos > 0.5) {
          this.commitFoul(i, o, cos > RULES.recklessCos);
          return;
        }
        this.cooldown[o] = PHYS.tackledCooldown;
        this.ev.tackle = t;
        if (this.lastOwnerTeam !== t) this.ev.possessionChange = true;
        this.lastOwnerTeam = t;
      } else if (this.offsideTeam === t && this.offsidePos[i] === 1) {
        // Playing a loose ball from an offside position.
        this.callOffside(i);
        return;
      }
      this.offsideTeam = -1; this.flightFrom = 0; this.flightIndirect = false;
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

  /**
   * A foul by `f` on `v` (the ball carrier): a free kick where it happened, or a penalty kick
   * when it is inside the fouler's own penalty box. Cards: a reckless foul (a slide from
   * nearly straight behind) is a yellow; denying an obvious goal-scoring chance is a red outside the box and
   * a yellow inside it (the penalty restores the chance); a second yellow is a red.
   */
  commitFoul(f: number, v: number, reckless: boolean): void {
    const t = this.teamOf(f), vt = 1 - t, G = vt === LEFT ? 1 : -1;
    this.ev.foul = t;
    this.stats.fouls[t]!++;
    if (this.slide[f]! > 0) this.slide[f] = -PHYS.slideRecoverySteps;
    const x = this.bx, y = this.by;
    const inBox = x * G > 1 - PENALTY_BOX_DEPTH && Math.abs(y) < PENALTY_BOX_HALF_WIDTH;
    const dogso = this.deniesGoalChance(f, v);
    if (dogso && !inBox) this.sendOff(f);
    else if (reckless || dogso) this.caution(f);
    if (inBox) this.startPenalty(vt, v, true);
    else this.startSetPiece(GameMode.freeKick, vt, clampX(x), clampY(y), true);
  }

  /**
   * The foul stopped an obvious goal-scoring chance: the carrier heading for goal within
   * RULES.dogsoDistance of it, with no outfield defender but the fouler nearer the goal than the ball.
   */
  deniesGoalChance(f: number, v: number): boolean {
    const t = this.teamOf(f), G = t === LEFT ? -1 : 1;
    if (hypot(G - this.bx, this.by) > RULES.dogsoDistance || this.dx[v]! * G < 0.3) return false;
    const lo = t === LEFT ? 0 : this.nLeft, hi = t === LEFT ? this.nLeft : this.n;
    for (let j = lo; j < hi; j++) {
      if (j === f || !this.onPitch[j] || this.role[j] === GK) continue;
      if (this.px[j]! * G > this.bx * G) return false;
    }
    return true;
  }

  /** Show player i a yellow card; a second one sends him off. */
  caution(i: number): void {
    this.yellow[i]!++;
    this.stats.yellowCards[this.teamOf(i)]!++;
    this.ev.yellow = i;
    if (this.yellow[i]! >= 2) this.sendOff(i);
  }

  /** Red card: player i leaves the pitch (to the bench beside the halfway line) and his team plays short. */
  sendOff(i: number): void {
    if (this.red[i]) return;
    const t = this.teamOf(i);
    this.red[i] = 1; this.onPitch[i] = 0;
    this.stats.redCards[t]!++;
    this.ev.red = i;
    this.px[i] = t === LEFT ? -PHYS.benchX : PHYS.benchX; this.py[i] = PHYS.benchY;
    this.vx[i] = 0; this.vy[i] = 0; this.tvx[i] = 0; this.tvy[i] = 0; this.sprinting[i] = 0;
    this.slide[i] = 0; this.cooldown[i] = 0; this.pressure[i] = 0; this.offsidePos[i] = 0;
    if (this.keeper[t] === i) this.keeper[t] = -1;
    if (this.owner === i) this.owner = -1;
    if (this.active === i) this.active = -1;
  }

  /**
   * Penalty kick for `team` at the spot before the goal it attacks: `taker` (or the nearest
   * outfield player) behind the ball, the defending keeper on his line, everyone else
   * outside the box and the penalty arc. The game waits for the kick.
   */
  startPenalty(team: number, taker: number, awarded: boolean): void {
    const G = team === LEFT ? 1 : -1;
    const spot = 1 - PENALTY_SPOT_DISTANCE, edge = 1 - PENALTY_BOX_DEPTH - 0.015, r = PHYS.restartDistance + 0.01;
    const gk = this.keeper[1 - team]!;
    if (awarded) { this.ev.penalty = team; this.stats.penalties[team]!++; }
    for (let i = 0; i < this.n; i++) {
      if (!this.onPitch[i] || i === gk || i === taker) continue;
      let x = this.px[i]! * G;
      const y = this.py[i]!;
      if (x > edge) x = edge;
      if (Math.abs(y) < r && x > spot - Math.sqrt(r * r - y * y)) x = spot - Math.sqrt(r * r - y * y);
      this.px[i] = x * G;
      this.vx[i] = 0; this.vy[i] = 0; this.slide[i] = 0;
    }
    if (gk >= 0) {
      this.px[gk] = G * 0.995; this.py[gk] = 0; this.vx[gk] = 0; this.vy[gk] = 0; this.dx[gk] = -G; this.dy[gk] = 0; this.slide[gk] = 0;
    }
    this.startSetPiece(GameMode.penalty, team, G * spot, 0, awarded, taker);
  }

  /** Half time: the teams switch ends (the views stay in the agent's frame) and the other team kicks off. */
  private startSecondHalf(): void {
    this.half = 2;
    this.ev.halfTime = true;
    this.pendingKind = 0; this.shotAge = 1000;
    this.kickOff(1 - this.firstKickOff, false);
  }

  private applyRules(): void {
    const bx = this.bx, by = this.by;
    if (bx > 1 || bx < -1) {
      const side = bx > 1 ? 1 : -1;
      // Where and how high the ball crossed the goal line this step.
      const span = bx - this.pbx;
      const f = Math.abs(span) > 1e-9 ? (side - this.pbx) / span : 1;
      const yc = this.pby + (by - this.pby) * f, zc = this.pbz + (this.bz - this.pbz) * f;
      // Straight in from an indirect free kick is no goal (a goal kick, or a corner in the kicker's own goal).
      if (Math.abs(yc) < GOAL_HALF_WIDTH && zc < GOAL_HEIGHT && !(this.flightIndirect && this.flightFrom === GameMode.freeKick)) {
        const scorer = side === 1 ? LEFT : RIGHT;
        if (scorer === LEFT) this.scoreLeft++; else this.scoreRight++;
        if (this.flightFrom === GameMode.penalty) this.stats.penaltyGoals[scorer]!++;
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
  startSetPiece(mode: number, team: number, x: number, y: number, countChange: boolean, taker = -1): void {
    this.bx = x; this.by = y; this.bz = 0; this.bvx = 0; this.bvy = 0; this.bvz = 0;
    this.owner = -1;
    this.pendingKind = 0;
    this.modeIndirect = false;
    const lo = team === LEFT ? 0 : this.nLeft, hi = team === LEFT ? this.nLeft : this.n;
    if (taker < 0 || !this.onPitch[taker] || this.teamOf(taker) !== team) {
      taker = -1;
      let bestD = Infinity;
      if (mode === GameMode.goalKick && this.keeper[team]! >= 0) taker = this.keeper[team]!;
      else {
        let onTeam = 0;
        for (let i = lo; i < hi; i++) onTeam += this.onPitch[i]!;
        for (let i = lo; i < hi; i++) {
          if (!this.onPitch[i] || (this.role[i] === GK && onTeam > 1)) continue;
          const d = hypot(this.px[i]! - x, this.py[i]! - y);
          if (d < bestD) { bestD = d; taker = i; }
        }
      }
    }
    // Stand just behind the ball, facing into the pitch (at a penalty: at the goal).
    const inx = mode === GameMode.throwIn ? 0 : mode === GameMode.penalty ? (team === LEFT ? 1 : -1) : -Math.sign(x) || (team === LEFT ? 1 : -1);
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
      if (!this.onPitch[i]) continue;
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
    return Math.max(0, this.gameDuration - this.steps);
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
