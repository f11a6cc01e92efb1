// The image view: a pitch drawn once per frame size with canvas, then per frame a copy of
// it plus player and ball sprites from SpriteAtlas (no canvas work in the hot path).
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
} as const;

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

/** Characters of the scoreboard. */
const HUD_CHARS = '0123456789:- GOAL';
function hudSprites(): Record<string, SpriteDrawer> {
  const d: Record<string, SpriteDrawer> = {};
  for (const ch of new Set(HUD_CHARS)) {
    d[ch] = (ctx, s) => {
      ctx.fillStyle = '#ffffff';
      ctx.font = `bold ${Math.round(s * 0.95)}px "DejaVu Sans Mono", monospace`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(ch, 0, s / 2 + 0.5);
    };
  }
  return d;
}
const HUD_SPRITES = hudSprites();

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
  private readonly hud: SpriteAtlas | null;
  private readonly hudSize: number;
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
    this.hudSize = Math.max(9, Math.round(height * 0.05));
    this.hud = width >= SCOREBOARD_MIN_WIDTH ? SpriteAtlas.get('football-hud', this.hudSize, HUD_SPRITES) : null;
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
      if (i === e.active) continue;
      blend(f, this.players.sprite(names[i]!), Math.round(p.px(px[i]!)) - half, Math.round(p.py(py[i]!)) - half);
    }
    if (e.active >= 0) {
      const a = e.active;
      blend(f, this.players.sprite(names[a]! + 'a'), Math.round(p.px(px[a]!)) - half, Math.round(p.py(py[a]!)) - half);
    }
    blend(f, this.ball.sprite('ball'), bx - bh, by - bh - Math.round(ball.z * p.scale * 2));
    if (this.hud) this.drawScoreboard(scene.scoreboard);
    return f;
  }

  /** The scoreboard in the top-left corner: score, clock (and GOAL in a goal's step). */
  private drawScoreboard(text: string): void {
    const f = this.frame, s = this.hudSize, advance = Math.round(s * 0.6);
    const w = text.length * advance + 8, h = s + 4;
    // Darken the box behind the text (the pitch stays visible through it).
    for (let y = 2; y < 2 + h && y < f.height; y++) {
      for (let x = 2, i = (y * f.width + 2) * 4; x < 2 + w && x < f.width; x++, i += 4) {
        f.data[i] = f.data[i]! >> 2; f.data[i + 1] = f.data[i + 1]! >> 2; f.data[i + 2] = f.data[i + 2]! >> 2;
      }
    }
    for (let k = 0; k < text.length; k++) {
      const ch = text[k]!;
      if (ch !== ' ') blend(f, this.hud!.sprite(ch), 6 + k * advance, 4);
    }
  }
}
