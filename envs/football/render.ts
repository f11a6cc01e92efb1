// The image view: a pitch drawn once per frame size with canvas, then per frame a copy of
// it plus player and ball sprites from SpriteAtlas, card marks, and a head-up display in
// the margin above the pitch (score, clock, half, sent-off players) drawn with a 3x5 pixel
// font (no canvas work in the hot path).
import { createCanvas } from 'canvas';
import { SpriteAtlas, type SpriteDrawer } from '../render/atlas.js';
import { blend, createFrame, type Frame } from '../render/frame.js';
import {
  CENTER_CIRCLE_RADIUS, GOAL_AREA_DEPTH, GOAL_AREA_HALF_WIDTH, GOAL_HALF_WIDTH, LEFT, MAX_PLAYERS_PER_TEAM,
  PENALTY_BOX_DEPTH, PENALTY_BOX_HALF_WIDTH, PENALTY_SPOT_DISTANCE, PITCH_HALF_WIDTH, ROLES, SECONDS_PER_STEP,
} from './constants.js';
import type { FootballEngine } from './engine.js';

/** Default frame size for models, and the larger one for replays. */
export const FOOTBALL_MODEL_SIZE = { width: 128, height: 64 } as const;
export const FOOTBALL_REPLAY_SIZE = { width: 512, height: 256 } as const;

/** Colours: left team yellow (keeper orange), right team blue (keeper purple). */
export const FOOTBALL_COLORS = {
  grassLight: '#4f9a3a', grassDark: '#468a33', line: '#f4f4f4',
  left: '#f2c94c', leftKeeper: '#f08a24', leftText: '#1b1b1b',
  right: '#2f6fdb', rightKeeper: '#8e44ad', rightText: '#ffffff',
  active: '#ffffff', ball: '#ffffff', shadow: '#00000066',
  yellowCard: '#ffd400', redCard: '#e0201b', hudText: '#ffffff',
} as const;

const rgb = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
const YELLOW = rgb(FOOTBALL_COLORS.yellowCard), RED = rgb(FOOTBALL_COLORS.redCard), WHITE = rgb(FOOTBALL_COLORS.hudText);
const LEFT_RGB = rgb(FOOTBALL_COLORS.left), RIGHT_RGB = rgb(FOOTBALL_COLORS.right), BLACK: [number, number, number] = [20, 20, 20];

/** A 3x5 pixel font for the HUD: each glyph is 5 rows of 3 bits (bit 2 = left column). */
const GLYPHS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 1, 1], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  ':': [0, 2, 0, 2, 0], '-': [0, 0, 7, 0, 0], 'H': [5, 5, 7, 5, 5],
};
/** Glyph codes by character code, so drawing builds no strings per frame. */
const GLYPH_BY_CODE: (readonly number[] | undefined)[] = [];
for (const [ch, g] of Object.entries(GLYPHS)) GLYPH_BY_CODE[ch.charCodeAt(0)] = g;

/** Fill a rectangle with an opaque colour, clipped to the frame. */
function rect(f: Frame, x: number, y: number, w: number, h: number, c: readonly number[]): void {
  const x0 = Math.max(0, x), y0 = Math.max(0, y), x1 = Math.min(f.width, x + w), y1 = Math.min(f.height, y + h);
  const d = f.data;
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0, k = (yy * f.width + x0) * 4; xx < x1; xx++, k += 4) { d[k] = c[0]!; d[k + 1] = c[1]!; d[k + 2] = c[2]!; d[k + 3] = 255; }
  }
}

/** Draw one glyph (by character code) at (x, y) with pixel scale s. */
function glyph(f: Frame, code: number, x: number, y: number, s: number, c: readonly number[]): void {
  const g = GLYPH_BY_CODE[code];
  if (!g) return;
  for (let row = 0; row < 5; row++) {
    const bits = g[row]!;
    for (let col = 0; col < 3; col++) if (bits & (4 >> col)) rect(f, x + col * s, y + row * s, s, s, c);
  }
}

/** HUD text buffer (character codes), reused. */
const hud = new Int32Array(8);
function digits2(v: number, at: number): void {
  hud[at] = 48 + (Math.floor(v / 10) % 10); hud[at + 1] = 48 + (v % 10);
}
function drawCodes(f: Frame, n: number, x: number, y: number, s: number, c: readonly number[]): void {
  for (let k = 0; k < n; k++) glyph(f, hud[k]!, x + k * 4 * s, y, s, c);
}
/** Write a non-negative integer (up to 3 digits) into hud from index `at`; returns the index after it. */
function putInt(v: number, at: number): number {
  v = Math.min(999, Math.max(0, Math.floor(v)));
  const n = v >= 100 ? 3 : v >= 10 ? 2 : 1;
  for (let k = n - 1; k >= 0; k--) { hud[at + k] = 48 + (v % 10); v = Math.floor(v / 10); }
  return at + n;
}

const VIEW_HALF_X = 1.06;
const VIEW_HALF_Y = 0.46;
const GK = ROLES.indexOf('GK');

/** Maps pitch coordinates to pixels for one frame size. */
export class PitchProjection {
  readonly scale: number;
  readonly cx: number;
  readonly cy: number;
  constructor(readonly width: number, readonly height: number) {
    this.scale = Math.min(width / (2 * VIEW_HALF_X), height / (2 * VIEW_HALF_Y));
    this.cx = width / 2;
    this.cy = height / 2;
  }
  px(x: number): number { return this.cx + x * this.scale; }
  py(y: number): number { return this.cy + y * this.scale; }
}

const backgrounds = new Map<string, Frame>();

function drawBackground(w: number, h: number): Frame {
  const p = new PitchProjection(w, h);
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  const s = p.scale;
  ctx.fillStyle = FOOTBALL_COLORS.grassDark;
  ctx.fillRect(0, 0, w, h);
  // Mowing stripes: 10 bands across the pitch length.
  ctx.fillStyle = FOOTBALL_COLORS.grassLight;
  for (let k = 0; k < 10; k += 2) ctx.fillRect(p.px(-1 + k * 0.2), 0, 0.2 * s, h);
  ctx.strokeStyle = FOOTBALL_COLORS.line;
  ctx.fillStyle = FOOTBALL_COLORS.line;
  ctx.lineWidth = Math.max(1, s * 0.006);
  const rect = (x0: number, y0: number, x1: number, y1: number) => ctx.strokeRect(p.px(x0), p.py(y0), (x1 - x0) * s, (y1 - y0) * s);
  rect(-1, -PITCH_HALF_WIDTH, 1, PITCH_HALF_WIDTH);
  ctx.beginPath(); ctx.moveTo(p.px(0), p.py(-PITCH_HALF_WIDTH)); ctx.lineTo(p.px(0), p.py(PITCH_HALF_WIDTH)); ctx.stroke();
  ctx.beginPath(); ctx.arc(p.px(0), p.py(0), CENTER_CIRCLE_RADIUS * s, 0, Math.PI * 2); ctx.stroke();
  for (const side of [-1, 1]) {
    const line = side, box = side * (1 - PENALTY_BOX_DEPTH), area = side * (1 - GOAL_AREA_DEPTH);
    rect(Math.min(line, box), -PENALTY_BOX_HALF_WIDTH, Math.max(line, box), PENALTY_BOX_HALF_WIDTH);
    rect(Math.min(line, area), -GOAL_AREA_HALF_WIDTH, Math.max(line, area), GOAL_AREA_HALF_WIDTH);
    const spot = side * (1 - PENALTY_SPOT_DISTANCE);
    ctx.beginPath(); ctx.arc(p.px(spot), p.py(0), Math.max(0.7, s * 0.006), 0, Math.PI * 2); ctx.fill();
    // The goal: a net box behind the line.
    ctx.fillStyle = '#d8d8d8';
    const gx0 = side > 0 ? 1 : -1.035;
    ctx.fillRect(p.px(gx0), p.py(-GOAL_HALF_WIDTH), 0.035 * s, 2 * GOAL_HALF_WIDTH * s);
    ctx.fillStyle = FOOTBALL_COLORS.line;
  }
  ctx.beginPath(); ctx.arc(p.px(0), p.py(0), Math.max(0.7, s * 0.006), 0, Math.PI * 2); ctx.fill();
  const img = ctx.getImageData(0, 0, w, h);
  return { width: w, height: h, data: new Uint8ClampedArray(img.data) };
}

/** The pitch without players for a frame size (drawn once, shared; do not modify). */
export function pitchBackground(width: number, height: number): Frame {
  const key = `${width}x${height}`;
  let bg = backgrounds.get(key);
  if (!bg) { bg = drawBackground(width, height); backgrounds.set(key, bg); }
  return bg;
}

function playerDrawer(fill: string, text: string, label: string, active: boolean): SpriteDrawer {
  return (ctx, s) => {
    const r = s / 2;
    if (active) {
      ctx.fillStyle = FOOTBALL_COLORS.active;
      ctx.beginPath(); ctx.arc(r, r, r, 0, Math.PI * 2); ctx.fill();
    }
    ctx.fillStyle = fill;
    ctx.beginPath(); ctx.arc(r, r, active ? r - Math.max(1.2, s * 0.14) : r - 0.5, 0, Math.PI * 2); ctx.fill();
    if (!active) { ctx.strokeStyle = '#00000080'; ctx.lineWidth = 1; ctx.stroke(); }
    ctx.fillStyle = text;
    ctx.font = `bold ${Math.max(5, Math.round(s * (label.length > 1 ? 0.5 : 0.62)))}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, r, r + 0.5);
  };
}

function playerSprites(): Record<string, SpriteDrawer> {
  const d: Record<string, SpriteDrawer> = {};
  for (let k = 1; k <= MAX_PLAYERS_PER_TEAM; k++) {
    for (const gk of [false, true]) {
      const suffix = gk ? 'g' : '';
      d[`L${k}${suffix}`] = playerDrawer(gk ? FOOTBALL_COLORS.leftKeeper : FOOTBALL_COLORS.left, FOOTBALL_COLORS.leftText, String(k), false);
      d[`L${k}${suffix}a`] = playerDrawer(gk ? FOOTBALL_COLORS.leftKeeper : FOOTBALL_COLORS.left, FOOTBALL_COLORS.leftText, String(k), true);
      d[`R${k}${suffix}`] = playerDrawer(gk ? FOOTBALL_COLORS.rightKeeper : FOOTBALL_COLORS.right, FOOTBALL_COLORS.rightText, String(k), false);
    }
  }
  return d;
}
const PLAYER_SPRITES = playerSprites();
const BALL_SPRITES: Record<string, SpriteDrawer> = {
  ball: (ctx, s) => {
    ctx.fillStyle = FOOTBALL_COLORS.ball;
    ctx.beginPath(); ctx.arc(s / 2, s / 2, s / 2 - (s >= 5 ? 0.5 : 0), 0, Math.PI * 2); ctx.fill();
    if (s >= 5) {
      // A dark rim, so the ball does not read as the active player's white ring.
      ctx.strokeStyle = '#111111'; ctx.lineWidth = Math.max(1, s / 7); ctx.stroke();
    }
  },
  shadow: (ctx, s) => {
    ctx.fillStyle = FOOTBALL_COLORS.shadow;
    ctx.beginPath(); ctx.ellipse(s / 2, s / 2, s / 2, s / 3, 0, 0, Math.PI * 2); ctx.fill();
  },
};


/** What one frame shows (the renderer draws exactly this; tests read it without pixels). */
export interface FootballScene {
  /** Player positions (pitch units). During the goal's step: where they stood at the goal. */
  px: Float64Array;
  py: Float64Array;
  ball: { x: number; y: number; z: number };
  /** The step shows the goal itself (the kick-off that follows is the next frame). */
  goal: boolean;
  /** The scoreboard line, e.g. "1-0 00:12", and "GOAL" during a goal's step. */
  scoreboard: string;
}

/** Game clock of `steps` (0.1 s each): "mm:ss". */
export function footballClock(steps: number): string {
  const secs = Math.floor(steps * SECONDS_PER_STEP + 1e-9);
  return `${String(Math.floor(secs / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
}

/** The scene of the engine's current state (the goal moment during a goal's step). */
export function footballScene(e: FootballEngine): FootballScene {
  const g = e.ev.goal >= 0 && e.goalMoment?.step === e.steps ? e.goalMoment : null;
  return {
    px: g ? g.px : e.px, py: g ? g.py : e.py,
    ball: g ? { x: g.bx, y: g.by, z: g.bz } : { x: e.bx, y: e.by, z: e.bz },
    goal: g !== null,
    scoreboard: `${e.scoreLeft}-${e.scoreRight} ${footballClock(e.steps)}${g ? ' GOAL' : ''}`,
  };
}

/** Frames at least this wide carry the scoreboard (the 128 x 64 model view stays as it was). */
export const SCOREBOARD_MIN_WIDTH = 256;

/** Draws engine states into one reused RGBA frame of a fixed size. */
export class FootballRenderer {
  readonly projection: PitchProjection;
  readonly frame: Frame;
  private readonly background: Frame;
  private readonly players: SpriteAtlas;
  private readonly ball: SpriteAtlas;
  private readonly playerSize: number;
  private readonly ballSize: number;
  private readonly shadow: Frame;
  /** Sprite names per player slot, cached so render() builds no strings. */
  private names: string[] = [];
  private namesFor: FootballEngine | null = null;

  constructor(readonly width: number, readonly height: number) {
    this.projection = new PitchProjection(width, height);
    this.background = pitchBackground(width, height);
    this.frame = createFrame(width, height);
    const s = this.projection.scale;
    this.playerSize = Math.max(7, Math.round(s * 0.05) | 1);
    // About 0.7 m across at replay size (7 px at 512 x 256); the model view keeps 3 px.
    this.ballSize = width >= SCOREBOARD_MIN_WIDTH ? Math.max(5, Math.round(s * 0.03)) : Math.max(3, Math.round(s * 0.022));
    this.players = SpriteAtlas.get('football-players', this.playerSize, PLAYER_SPRITES);
    this.ball = SpriteAtlas.get('football-ball', this.ballSize, BALL_SPRITES);
    this.shadow = SpriteAtlas.get('football-ball', width >= SCOREBOARD_MIN_WIDTH ? this.ballSize + 2 : this.ballSize, BALL_SPRITES).sprite('shadow');
    const margin = Math.floor(this.projection.py(-PITCH_HALF_WIDTH));
    this.hudScale = Math.max(1, Math.floor(margin / 6));
    this.hudTop = Math.max(0, (margin - 5 * this.hudScale) >> 1);
    this.cardWidth = Math.max(2, Math.round(this.playerSize * 0.3));
    this.cardHeight = Math.round(this.cardWidth * 1.4);
  }

  private spriteNames(e: FootballEngine): string[] {
    if (this.namesFor !== e) {
      this.names = [];
      for (let i = 0; i < e.n; i++) this.names.push(`${e.teamOf(i) === LEFT ? 'L' : 'R'}${e.numberOf(i)}${e.role[i] === GK ? 'g' : ''}`);
      this.namesFor = e;
    }
    return this.names;
  }

  /** Draw `e` into the reused frame and return it (copy it to keep it). */
  render(e: FootballEngine): Frame {
    const f = this.frame, p = this.projection;
    f.data.set(this.background.data);
    const names = this.spriteNames(e);
    const scene = footballScene(e);
    const { px, py, ball } = scene;
    const half = this.playerSize >> 1, bh = this.ballSize >> 1;
    const bx = Math.round(p.px(ball.x)), by = Math.round(p.py(ball.y));
    // The shadow stays on the ground; the ball is drawn above it by its height (exaggerated
    // x2 so lofted balls read clearly), so the gap between them shows how high it is.
    blend(f, this.shadow, bx - (this.shadow.width >> 1), by - (this.shadow.height >> 1) + 1);
    for (let i = 0; i < e.n; i++) {
      if (i === e.active || !e.onPitch[i]) continue; // sent-off players are not drawn
      blend(f, this.players.sprite(names[i]!), Math.round(p.px(px[i]!)) - half, Math.round(p.py(py[i]!)) - half);
    }
    if (e.active >= 0) {
      const a = e.active;
      blend(f, this.players.sprite(names[a]! + 'a'), Math.round(p.px(px[a]!)) - half, Math.round(p.py(py[a]!)) - half);
    }
    // A yellow card (black-edged) at the top right of each booked player.
    const cw = this.cardWidth, ch = this.cardHeight;
    for (let i = 0; i < e.n; i++) {
      if (!e.yellow[i] || !e.onPitch[i]) continue;
      const x = Math.round(p.px(px[i]!)) + half - cw + 1, y = Math.round(p.py(py[i]!)) - half - 1;
      rect(f, x - 1, y - 1, cw + 2, ch + 2, BLACK);
      rect(f, x, y, cw, ch, YELLOW);
    }
    // The ball is drawn above its shadow by its height (exaggerated x2 so lofted balls read clearly).
    blend(f, this.ball.sprite('ball'), bx - bh, by - bh - Math.round(ball.z * p.scale * 2));
    this.drawHud(e);
    return f;
  }

  /** Pixel scale of the HUD font (3x5 glyphs) and its top row: centred in the margin above the pitch. */
  readonly hudScale: number;
  readonly hudTop: number;
  private readonly cardWidth: number;
  private readonly cardHeight: number;

  /**
   * The head-up display in the margin above the pitch: centre, the score with each team's
   * colour beside it and a red mark per sent-off player outside that; left, the half (1H /
   * 2H, matches only); right, the game clock mm:ss (0.1 s per step).
   */
  private drawHud(e: FootballEngine): void {
    const f = this.frame, s = this.hudScale, y = this.hudTop, cx = f.width >> 1;
    // Score: "L-R" centred.
    let n = putInt(e.scoreLeft, 0);
    hud[n++] = 45; // '-'
    n = putInt(e.scoreRight, n);
    const w = n * 4 * s - s;
    const x0 = cx - (w >> 1);
    drawCodes(f, n, x0, y, s, WHITE);
    // Team colours beside the score, then one red mark per sent-off player.
    const sq = 3 * s;
    rect(f, x0 - 2 * s - sq, y + s, sq, sq, LEFT_RGB);
    rect(f, x0 + w + 2 * s, y + s, sq, sq, RIGHT_RGB);
    let lx = x0 - 2 * s - sq, rx = x0 + w + 2 * s + sq;
    for (let i = 0; i < e.n; i++) {
      if (!e.red[i]) continue;
      if (i < e.nLeft) { lx -= 3 * s; rect(f, lx, y + s, 2 * s, 4 * s, RED); } else { rect(f, rx + s, y + s, 2 * s, 4 * s, RED); rx += 3 * s; }
    }
    // Half, matches only.
    if (e.halfTimeStep > 0) {
      hud[0] = 48 + e.half; hud[1] = 72; // 'H'
      drawCodes(f, 2, s + 1, y, s, WHITE);
    }
    // Clock mm:ss of game time.
    const secs = Math.floor(e.steps / 10);
    digits2(Math.min(99, Math.floor(secs / 60)), 0);
    hud[2] = 58; // ':'
    digits2(secs % 60, 3);
    drawCodes(f, 5, f.width - 1 - s - (5 * 4 * s - s), y, s, WHITE);
  }
}
