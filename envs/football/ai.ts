// The built-in rule-based AI: every player but the agent's active one. Each player
// chooses a target velocity (and the carrier a kick) from simple roles: carrier, support
// runner, chaser, cover, formation, keeper. Difficulty d in [0, 1] scales speed, shooting
// range, pressing and keeper reactions, and how well players judge offside and time their
// slides. No allocation: scratch state is module-level.
import { GOAL_HALF_WIDTH, GameMode, Kick, LEFT, PENALTY_BOX_DEPTH, PENALTY_BOX_HALF_WIDTH, PHYS, ROLES, hypot } from './constants.js';
import type { FootballEngine } from './engine.js';

const GK = ROLES.indexOf('GK');
const CF = ROLES.indexOf('CF');
const chaser1 = new Int32Array(2);
const chaser2 = new Int32Array(2);
/** Each team's onside limit this step (engine.onsideLimit), read by the support runners. */
const onsideLimit = new Float64Array(2);
let landX = 0, landY = 0, landing = false;

/** Decide targets and kicks for every AI-controlled player. */
export function aiStep(e: FootballEngine): void {
  findChasers(e);
  onsideLimit[0] = e.onsideLimit(0); onsideLimit[1] = e.onsideLimit(1);
  const skip = e.autopilot ? -1 : e.active;
  for (let i = 0; i < e.n; i++) {
    if (i === skip || !e.onPitch[i]) continue;
    if (e.slide[i] !== 0) { e.sprinting[i] = 0; continue; }
    if (e.owner === i) carrier(e, i);
    else if (e.role[i] === GK) keeper(e, i);
    else offBall(e, i);
    // Lazy players never move (a lazy carrier may still pass or shoot).
    if (e.lazy[i]) { e.tvx[i] = 0; e.tvy[i] = 0; e.sprinting[i] = 0; }
  }
}



/** Each team's two outfield players nearest to where the ball will be. */
function findChasers(e: FootballEngine): void {
  let look = e.owner >= 0 ? 2 : 5;
  if (e.owner < 0 && (e.bz > 0.01 || e.bvz > 0.003)) {
    // A lofted ball: go to where it comes down.
    look = (e.bvz + Math.sqrt(e.bvz * e.bvz + 2 * PHYS.gravity * e.bz)) / PHYS.gravity;
  }
  const tx = e.bx + e.bvx * look, ty = e.by + e.bvy * look;
  landX = tx; landY = ty; landing = e.owner < 0 && look > 5;
  for (let t = 0; t < 2; t++) {
    const lo = t === LEFT ? 0 : e.nLeft, hi = t === LEFT ? e.nLeft : e.n;
    let b1 = -1, b2 = -1, d1 = Infinity, d2 = Infinity;
    for (let i = lo; i < hi; i++) {
      // The agent's player is not an AI chaser: the next nearest teammate presses too.
      if (e.role[i] === GK || e.cooldown[i]! > 3 || (i === e.active && !e.autopilot) || !e.onPitch[i] || e.lazy[i]) continue;
      const d = hypot(e.px[i]! - tx, e.py[i]! - ty);
      if (d < d1) { b2 = b1; d2 = d1; b1 = i; d1 = d; } else if (d < d2) { b2 = i; d2 = d; }
    }
    chaser1[t] = b1; chaser2[t] = b2;
  }
}

function speedScale(e: FootballEngine, i: number): number {
  return (0.86 + 0.14 * e.difficulty[e.teamOf(i)]!) * (0.75 + 0.25 * e.stamina[i]!);
}

/** Run toward (tx, ty), slowing on arrival. */
function runTo(e: FootballEngine, i: number, tx: number, ty: number, sprint: boolean, factor = 1): void {
  const ex = tx - e.px[i]!, ey = ty - e.py[i]!;
  const d = hypot(ex, ey);
  if (d < 0.004) { e.tvx[i] = 0; e.tvy[i] = 0; e.sprinting[i] = 0; return; }
  let speed = (sprint ? PHYS.sprintSpeed : PHYS.runSpeed) * speedScale(e, i) * factor;
  if (speed > d * 0.5) speed = d * 0.5;
  e.tvx[i] = (ex / d) * speed; e.tvy[i] = (ey / d) * speed;
  e.sprinting[i] = sprint ? 1 : 0;
}

function clampX(x: number): number {
  return x < -0.95 ? -0.95 : x > 0.95 ? 0.95 : x;
}
function clampY(y: number): number {
  return y < -0.4 ? -0.4 : y > 0.4 ? 0.4 : y;
}

/** Distance from opponent players to the segment from (ax, ay) to (bx, by): the smallest one. */
function laneClearance(e: FootballEngine, t: number, ax: number, ay: number, bx: number, by: number): number {
  const lo = t === LEFT ? e.nLeft : 0, hi = t === LEFT ? e.n : e.nLeft;
  const ex = bx - ax, ey = by - ay, len2 = ex * ex + ey * ey;
  const len = Math.sqrt(len2);
  let best = Infinity;
  for (let j = lo; j < hi; j++) {
    if (!e.onPitch[j]) continue;
    let u = len2 > 0 ? ((e.px[j]! - ax) * ex + (e.py[j]! - ay) * ey) / len2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    // A defender further along the lane has longer to reach it: discount his distance.
    const d = hypot(ax + u * ex - e.px[j]!, ay + u * ey - e.py[j]!) - 0.3 * u * len;
    if (d < best) best = d;
  }
  return best;
}

/** Nearest opponent of team t to (x, y). */
function nearestOpponentDist(e: FootballEngine, t: number, x: number, y: number): number {
  const lo = t === LEFT ? e.nLeft : 0, hi = t === LEFT ? e.n : e.nLeft;
  let best = Infinity;
  for (let j = lo; j < hi; j++) {
    if (!e.onPitch[j]) continue;
    const d = hypot(e.px[j]! - x, e.py[j]! - y);
    if (d < best) best = d;
  }
  return best;
}

/**
 * The most useful open teammate to pass to from i, or -1. Teammates in an offside position
 * are skipped, except those offside by less than the passer misjudges (0.03 x (1 - skill)).
 */
export function bestPassTarget(e: FootballEngine, i: number, minProgress: number): number {
  const t = e.teamOf(i), G = t === LEFT ? 1 : -1;
  const lo = t === LEFT ? 0 : e.nLeft, hi = t === LEFT ? e.nLeft : e.n;
  const offLimit = e.mode !== GameMode.throwIn && e.mode !== GameMode.corner && e.mode !== GameMode.goalKick
    ? e.onsideLimit(t) + 0.03 * (1 - e.difficulty[t]!) : Infinity;
  let best = -1, bestScore = -Infinity;
  for (let j = lo; j < hi; j++) {
    if (j === i || e.role[j] === GK || !e.onPitch[j]) continue;
    const d = hypot(e.px[j]! - e.bx, e.py[j]! - e.by);
    if (d < 0.06 || d > 0.6) continue;
    if (e.px[j]! * G > offLimit) continue;
    const progress = (e.px[j]! - e.bx) * G;
    if (progress < minProgress) continue;
    if (laneClearance(e, t, e.bx, e.by, e.px[j]!, e.py[j]!) < 0.03) continue;
    const space = Math.min(nearestOpponentDist(e, t, e.px[j]!, e.py[j]!), 0.15);
    const score = progress + space * 1.5 - d * 0.2;
    if (score > bestScore) { bestScore = score; best = j; }
  }
  return best;
}

function carrier(e: FootballEngine, i: number): void {
  const t = e.teamOf(i), G = t === LEFT ? 1 : -1, d = e.difficulty[t]!;
  e.tvx[i] = 0; e.tvy[i] = 0; e.sprinting[i] = 0;
  if (e.mode !== GameMode.normal) {
    if (e.modeTimer < PHYS.aiSetPieceDelay) return;
    setPiece(e, i, G);
    return;
  }
  if (e.role[i] === GK) {
    if (e.ownerSteps < 3) return;
    const j = bestPassTarget(e, i, 0.1);
    if (j >= 0) e.passTo(i, hypot(e.px[j]! - e.bx, e.py[j]! - e.by) > 0.3 ? Kick.high : Kick.short, j);
    else e.kickToPoint(i, Kick.high, e.bx + G * 0.5, e.by * 0.5);
    return;
  }
  const gx = G, distGoal = hypot(gx - e.px[i]!, e.py[i]!);
  if (distGoal < 0.2 + 0.12 * d && Math.abs(e.py[i]!) < 0.22) { e.shoot(i, 0, 0.45 + 0.55 * d); return; }
  // Pressure: the nearest opponent, and whether it stands in the way.
  const lo = t === LEFT ? e.nLeft : 0, hi = t === LEFT ? e.n : e.nLeft;
  let ux = gx - e.px[i]!, uy = -e.py[i]! * 0.5;
  let ul = hypot(ux, uy);
  ux /= ul; uy /= ul;
  let pressed = false, near = Infinity;
  let ax = 0, ay = 0;
  for (let j = lo; j < hi; j++) {
    if (!e.onPitch[j]) continue;
    const rx = e.px[j]! - e.px[i]!, ry = e.py[j]! - e.py[i]!;
    const dist = hypot(rx, ry);
    if (dist < near) near = dist;
    const ahead = rx * ux + ry * uy;
    if (dist < 0.15 && ahead > -0.01) {
      if (dist < 0.07) pressed = true;
      const w = (0.15 - dist) / 0.15;
      ax -= (rx / (dist + 1e-6)) * w; ay -= (ry / (dist + 1e-6)) * w;
    }
  }
  if (pressed && e.ownerSteps > 2) {
    const j = bestPassTarget(e, i, -0.05);
    if (j >= 0) { e.passTo(i, hypot(e.px[j]! - e.bx, e.py[j]! - e.by) > 0.35 ? Kick.long : Kick.short, j); return; }
  }
  if (e.stochastic && e.ownerSteps > 5 && e.rng.next() < 0.03 * (1 - d)) {
    const j = bestPassTarget(e, i, -0.2);
    if (j >= 0) { e.passTo(i, Kick.short, j); return; }
  }
  // Dribble toward goal, steering away from opponents in the way (and from the touch lines).
  ux += ax * 1.4; uy += ay * 1.4;
  if (Math.abs(e.py[i]!) > 0.34) uy -= Math.sign(e.py[i]!) * 0.5;
  // Never run back toward the own goal to dodge: go round the opponent instead.
  if (ux * G < 0.1) {
    ux = 0.1 * G;
    if (Math.abs(uy) < 0.3) uy = e.py[i]! >= 0 ? -0.7 : 0.7;
  }
  ul = hypot(ux, uy) || 1;
  const speed = (near > 0.05 ? PHYS.sprintSpeed : PHYS.runSpeed) * PHYS.carrySpeedFactor * speedScale(e, i);
  e.tvx[i] = (ux / ul) * speed; e.tvy[i] = (uy / ul) * speed;
  e.sprinting[i] = near > 0.05 ? 1 : 0;
}

function setPiece(e: FootballEngine, i: number, G: number): void {
  if (e.mode === GameMode.penalty) {
    // Penalty kick: at the corner away from the keeper, as precisely as the taker's skill allows.
    e.shoot(i, 0, 0.45 + 0.55 * e.difficulty[e.teamOf(i)]!);
    return;
  }
  if (e.mode === GameMode.corner) {
    // Cross to the teammate nearest the penalty spot.
    const t = e.teamOf(i), lo = t === LEFT ? 0 : e.nLeft, hi = t === LEFT ? e.nLeft : e.n;
    let best = -1, bestD = Infinity;
    for (let j = lo; j < hi; j++) {
      if (j === i || e.role[j] === GK || !e.onPitch[j]) continue;
      const dd = hypot(e.px[j]! - G * 0.88, e.py[j]!);
      if (dd < bestD) { bestD = dd; best = j; }
    }
    if (best >= 0) e.passTo(i, Kick.high, best); else e.kickToPoint(i, Kick.high, G * 0.88, 0);
    return;
  }
  if (e.mode === GameMode.goalKick) {
    const j = bestPassTarget(e, i, 0.1);
    if (j >= 0) e.passTo(i, Kick.high, j); else e.kickToPoint(i, Kick.high, e.bx + G * 0.5, 0);
    return;
  }
  // Kick-off, throw-in, free kick: a short pass to the best (or nearest) teammate.
  let j = bestPassTarget(e, i, -0.4);
  if (j < 0) {
    const t = e.teamOf(i), lo = t === LEFT ? 0 : e.nLeft, hi = t === LEFT ? e.nLeft : e.n;
    let bestD = Infinity;
    for (let k = lo; k < hi; k++) {
      if (k === i || e.role[k] === GK || !e.onPitch[k]) continue;
      const dd = hypot(e.px[k]! - e.bx, e.py[k]! - e.by);
      if (dd < bestD) { bestD = dd; j = k; }
    }
  }
  if (j >= 0) e.passTo(i, Kick.short, j); else e.kickToPoint(i, Kick.short, e.bx + G * 0.1, e.by * 0.8);
}

function offBall(e: FootballEngine, i: number): void {
  const t = e.teamOf(i), G = t === LEFT ? 1 : -1, d = e.difficulty[t]!;
  const ownerTeam = e.owner >= 0 ? e.teamOf(e.owner) : -1;
  const shift = (e.bx - e.ballStartX) * (e.scenario.kind === 'academy' ? 0.9 : 0.6);
  if (e.mode !== GameMode.normal) {
    // A penalty kick: everyone stays where the referee put them (outside the box) until the kick.
    if (e.mode === GameMode.penalty) { e.tvx[i] = 0; e.tvy[i] = 0; e.sprinting[i] = 0; return; }
    // Set pieces: take up formation; the side not taking it keeps its distance from the ball.
    let tx = clampX(e.homeX[i]! + shift + (e.modeTeam === t ? G * 0.08 : -G * 0.04)), ty = e.homeY[i]!;
    if (e.mode === GameMode.kickOff) tx = t === LEFT ? Math.min(tx, -0.02) : Math.max(tx, 0.02); // own half until the kick
    if (e.modeTeam !== t) {
      const keep = e.mode === GameMode.kickOff ? 0.19 : 0.1; // outside the centre circle at kick-off
      const rx = tx - e.bx, ry = ty - e.by, rd = hypot(rx, ry);
      if (rd < keep) { tx = e.bx + (rx / (rd + 1e-6)) * keep; ty = e.by + (ry / (rd + 1e-6)) * keep; }
    }
    runTo(e, i, tx, clampY(ty), false);
    return;
  }
  if (ownerTeam === t) {
    // Support: move ahead of the ball into the formation slot, keeping some width, and
    // onside: not beyond the offside line (less well judged with less skill).
    let tx = clampX(e.homeX[i]! + shift + G * 0.12);
    if ((tx - e.bx) * G > 0.35) tx = e.bx + G * 0.35;
    if (Math.abs(tx) > 0.9) tx = Math.sign(tx) * 0.9;
    if (e.offsides) {
      const limit = onsideLimit[t]! - 0.004 + 0.02 * (1 - d);
      // The centre forward plays on the last defender's shoulder when the ball is within 0.5 of him.
      if (e.role[i] === CF && (limit - e.bx * G) < 0.5 && limit > tx * G) tx = limit * G;
      if (tx * G > limit) tx = limit * G;
    }
    runTo(e, i, tx, e.homeY[i]!, hypot(tx - e.px[i]!, e.homeY[i]! - e.py[i]!) > 0.06);
    return;
  }
  const pressers = e.scenario.kind === 'academy' ? 2 : 1;
  if (i === chaser1[t] || (pressers > 1 && i === chaser2[t] && ownerTeam >= 0)) {
    // Chase the ball where it will be.
    if (landing) { runTo(e, i, landX, landY, true); return; }
    if (ownerTeam < 0) {
      e.intercept(i, PHYS.sprintSpeed * speedScale(e, i));
      runTo(e, i, e.interceptX, e.interceptY, true);
      return;
    }
    if (d >= 0.4 && e.mode === GameMode.normal && trySlide(e, i, d)) return;
    runTo(e, i, e.bx + e.bvx * 3, e.by + e.bvy * 3, true, 0.8 + 0.15 * d);
    return;
  }
  if (i === chaser2[t] && ownerTeam >= 0 && d > 0.25) {
    // Cover: between the ball and the own goal.
    runTo(e, i, e.bx - G * 0.12, e.by * 0.8, true);
    return;
  }
  // Formation: shifted with the ball, drawn toward its side.
  const tx = clampX(e.homeX[i]! + shift - G * 0.05), ty = clampY(e.homeY[i]! * 0.7 + e.by * 0.3);
  runTo(e, i, tx, ty, hypot(tx - e.px[i]!, ty - e.py[i]!) > 0.15);
}

function keeper(e: FootballEngine, i: number): void {
  const t = e.teamOf(i), G = t === LEFT ? 1 : -1, d = e.difficulty[t]!;
  const goalX = -G;
  // Facing a penalty kick: stay on the line until the kick.
  if (e.mode === GameMode.penalty && e.modeTeam !== t) { e.tvx[i] = 0; e.tvy[i] = 0; e.sprinting[i] = 0; return; }
  const lineX = goalX + G * PHYS.keeperLineOffset;
  const factor = (PHYS.keeperSpeed / PHYS.sprintSpeed) * (0.7 + 0.3 * d);
  const ownerTeam = e.owner >= 0 ? e.teamOf(e.owner) : -1;
  const ballSpeed = hypot(e.bvx, e.bvy);
  if (ownerTeam < 0 && e.bvx * G < -0.008) {
    // A ball coming at goal: after the reaction delay, move to where it crosses the keeper's line.
    const reaction = Math.round(3.5 - 2.5 * d);
    if (e.shotAge < reaction) return;
    const steps = (lineX - e.bx) / e.bvx;
    if (steps >= 0 && steps < 40) {
      const yc = e.by + e.bvy * steps;
      if (Math.abs(yc) < GOAL_HALF_WIDTH + 0.05) { runTo(e, i, lineX, Math.max(-0.08, Math.min(0.08, yc)), true, factor); return; }
    }
  }
  const inBox = Math.abs(e.bx - goalX) < PENALTY_BOX_DEPTH && Math.abs(e.by) < PENALTY_BOX_HALF_WIDTH;
  if (ownerTeam < 0 && inBox && ballSpeed < 0.02 && hypot(e.bx - e.px[i]!, e.by - e.py[i]!) < nearestOpponentDist(e, t, e.bx, e.by)) {
    runTo(e, i, e.bx, e.by, true, factor);
    return;
  }
  let tx = lineX, ty = Math.max(-GOAL_HALF_WIDTH * 0.7, Math.min(GOAL_HALF_WIDTH * 0.7, e.by * 0.3));
  if (ownerTeam === 1 - t && d > 0.2) {
    // Narrow the angle: come off the line toward a carrier closing in.
    const dist = hypot(e.bx - goalX, e.by);
    if (dist < 0.35) {
      // Stand on the bisector of the angle the posts make at the ball, off the line.
      const ax = goalX - e.bx, ay1 = -GOAL_HALF_WIDTH - e.by, ay2 = GOAL_HALF_WIDTH - e.by;
      const l1 = hypot(ax, ay1), l2 = hypot(ax, ay2);
      const wx = ax / l1 + ax / l2, wy = ay1 / l1 + ay2 / l2;
      const out = Math.min(0.04 * d + 0.02, dist * 0.3);
      tx = goalX + G * out;
      const s = (tx - e.bx) / wx;
      ty = Math.max(-GOAL_HALF_WIDTH, Math.min(GOAL_HALF_WIDTH, e.by + wy * s));
    }
  }
  runTo(e, i, tx, ty, false, factor * 1.4);
}

/**
 * Skilled pressers slide in when the ball is just out of standing-tackle reach, straight
 * ahead and not running away from them (stochastic mode: only some of the time).
 */
function trySlide(e: FootballEngine, i: number, d: number): boolean {
  const rx = e.bx - e.px[i]!, ry = e.by - e.py[i]!;
  const dist = hypot(rx, ry);
  if (dist < PHYS.tackleRadius || dist > PHYS.slideReach + 0.01) return false;
  const ux = rx / dist, uy = ry / dist;
  if (ux * e.dx[i]! + uy * e.dy[i]! < 0.85) return false;
  if (e.bvx * ux + e.bvy * uy > 0.006) return false;
  const o = e.owner;
  // From behind (along the way the carrier faces, cosine > 0.5) is a foul: skilled players
  // avoid it, less skilled ones misjudge the angle (they slide up to a cosine of 0.5 + 0.3 x (1 - skill)).
  if (o >= 0 && ux * e.dx[o]! + uy * e.dy[o]! > 0.5 + 0.3 * (1 - d)) return false;

  if (e.stochastic ? e.rng.next() > 0.25 * d : e.pressure[i]! < 0.3) return false;
  e.dx[i] = ux; e.dy[i] = uy;
  e.slide[i] = PHYS.slideSteps;
  return true;
}
