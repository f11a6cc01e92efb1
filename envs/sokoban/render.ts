import { SpriteAtlas, type SpriteDrawer } from '../render/atlas.js';
import { createFrame, type Frame } from '../render/frame.js';
import { CELL } from './level.js';

type Ctx = Parameters<SpriteDrawer>[0];

const COLORS = {
  wall: '#5b4636', wallEdge: '#3e2f24', floor: '#e9e0cf', floorEdge: '#d8ccb4',
  target: '#d7263d', box: '#c8862a', boxEdge: '#7a4e12', boxDone: '#3f9b4f', boxDoneEdge: '#1f5e2b',
  player: '#2457c5', playerFace: '#ffffff',
};

const floor = (ctx: Ctx, s: number): void => {
  ctx.fillStyle = COLORS.floor; ctx.fillRect(0, 0, s, s);
  ctx.strokeStyle = COLORS.floorEdge; ctx.lineWidth = Math.max(1, s / 16); ctx.strokeRect(0.5, 0.5, s - 1, s - 1);
};
const targetMark = (ctx: Ctx, s: number): void => {
  ctx.strokeStyle = COLORS.target; ctx.lineWidth = Math.max(1.5, s / 8);
  ctx.beginPath(); ctx.arc(s / 2, s / 2, s * 0.25, 0, Math.PI * 2); ctx.stroke();
};
const box = (ctx: Ctx, s: number, fill: string, edge: string): void => {
  const m = Math.max(1, Math.round(s * 0.1));
  ctx.fillStyle = fill; ctx.fillRect(m, m, s - 2 * m, s - 2 * m);
  ctx.strokeStyle = edge; ctx.lineWidth = Math.max(1, s / 12);
  ctx.strokeRect(m + 0.5, m + 0.5, s - 2 * m - 1, s - 2 * m - 1);
  ctx.beginPath(); ctx.moveTo(m, m); ctx.lineTo(s - m, s - m); ctx.moveTo(s - m, m); ctx.lineTo(m, s - m); ctx.stroke();
};
const player = (ctx: Ctx, s: number): void => {
  ctx.fillStyle = COLORS.player;
  ctx.beginPath(); ctx.arc(s / 2, s * 0.3, s * 0.18, 0, Math.PI * 2); ctx.fill();
  ctx.fillRect(s * 0.3, s * 0.45, s * 0.4, s * 0.4);
  ctx.fillStyle = COLORS.playerFace;
  ctx.fillRect(s * 0.42, s * 0.26, Math.max(1, s * 0.05), Math.max(1, s * 0.05));
  ctx.fillRect(s * 0.53, s * 0.26, Math.max(1, s * 0.05), Math.max(1, s * 0.05));
};

/** One full, opaque sprite per cell code (index = code), so a cell is a single blit. */
export const SOKOBAN_SPRITES: Record<string, SpriteDrawer> = {
  [CELL.WALL]: (ctx, s) => {
    ctx.fillStyle = COLORS.wall; ctx.fillRect(0, 0, s, s);
    ctx.fillStyle = COLORS.wallEdge;
    const t = Math.max(1, Math.round(s / 16));
    ctx.fillRect(0, Math.floor(s / 2), s, t); ctx.fillRect(0, s - t, s, t);
    ctx.fillRect(Math.floor(s / 2), 0, t, Math.floor(s / 2)); ctx.fillRect(Math.floor(s / 4), Math.floor(s / 2), t, Math.floor(s / 2));
  },
  [CELL.FLOOR]: floor,
  [CELL.TARGET]: (ctx, s) => { floor(ctx, s); targetMark(ctx, s); },
  [CELL.BOX_ON_TARGET]: (ctx, s) => { floor(ctx, s); box(ctx, s, COLORS.boxDone, COLORS.boxDoneEdge); },
  [CELL.BOX]: (ctx, s) => { floor(ctx, s); box(ctx, s, COLORS.box, COLORS.boxEdge); },
  [CELL.PLAYER]: (ctx, s) => { floor(ctx, s); player(ctx, s); },
  [CELL.PLAYER_ON_TARGET]: (ctx, s) => { floor(ctx, s); targetMark(ctx, s); player(ctx, s); },
};

/**
 * Draws a grid of cell codes into one reused RGBA frame, re-blitting only the cells
 * whose code changed since the last call (a step changes at most three), so a frame
 * costs a few small copies instead of a full redraw.
 */
export class SokobanRenderer {
  readonly atlas: SpriteAtlas;
  private frame: Frame | null = null;
  private drawn = new Uint8Array(0);
  private pixels: Uint32Array = new Uint32Array(0);
  /** Tiles as 32-bit pixels: a pixel copy is one write. */
  private tiles: Uint32Array[] = [];

  constructor(readonly tileSize: number) {
    this.atlas = SpriteAtlas.get('sokoban', tileSize, SOKOBAN_SPRITES);
    for (let code = 0; code <= 6; code++) {
      const d = this.atlas.sprite(String(code)).data;
      this.tiles.push(new Uint32Array(d.buffer, d.byteOffset, d.length / 4));
    }
  }

  /** Redraw every cell next time (call after drawing over the returned frame). */
  invalidate(): void {
    this.drawn.fill(255);
  }

  /** The frame for `cells` (width x height codes). The returned frame is reused: copy it to keep it. */
  render(cells: Uint8Array, width: number, height: number): Frame {
    const ts = this.tileSize;
    if (!this.frame || this.frame.width !== width * ts || this.frame.height !== height * ts) {
      this.frame = createFrame(width * ts, height * ts);
      this.drawn = new Uint8Array(width * height).fill(255);
      this.pixels = new Uint32Array(this.frame.data.buffer, this.frame.data.byteOffset, this.frame.data.length / 4);
    }
    const px = this.pixels, stride = width * ts;
    for (let i = 0; i < cells.length; i++) {
      const code = cells[i]!;
      if (this.drawn[i] === code) continue;
      this.drawn[i] = code;
      const tile = this.tiles[code]!;
      const c = i % width, r = (i - c) / width;
      let dst = r * ts * stride + c * ts;
      for (let y = 0, src = 0; y < ts; y++, dst += stride - ts) for (let x = 0; x < ts; x++) px[dst++] = tile[src++]!;
    }
    return this.frame;
  }
}
