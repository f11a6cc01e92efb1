import { createCanvas, type CanvasRenderingContext2D } from 'canvas';
import { blit, type Frame } from './frame.js';

/** Draws one sprite of `size` x `size` pixels on a transparent canvas context. */
export type SpriteDrawer = (ctx: CanvasRenderingContext2D, size: number) => void;

/**
 * Sprites drawn once with `canvas` and kept as RGBA frames, so the hot path (an env's
 * render()) only copies bytes. Atlases are cached per (name, tile size): every env
 * instance with the same tiles shares one.
 */
export class SpriteAtlas {
  private readonly sprites = new Map<string, Frame>();
  private static readonly cache = new Map<string, SpriteAtlas>();

  private constructor(readonly tileSize: number) {}

  /** The shared atlas `name` at `tileSize`, drawing its sprites on first use. */
  static get(name: string, tileSize: number, drawers: Readonly<Record<string, SpriteDrawer>>): SpriteAtlas {
    if (!Number.isSafeInteger(tileSize) || tileSize < 1 || tileSize > 512) throw new RangeError(`tile size must be an integer in [1, 512], got ${tileSize}`);
    const key = `${name}@${tileSize}`;
    let atlas = SpriteAtlas.cache.get(key);
    if (!atlas) {
      atlas = new SpriteAtlas(tileSize);
      for (const [sprite, draw] of Object.entries(drawers)) atlas.sprites.set(sprite, drawSprite(draw, tileSize));
      SpriteAtlas.cache.set(key, atlas);
    }
    return atlas;
  }

  /** The sprite's pixels (do not modify). */
  sprite(name: string): Frame {
    const s = this.sprites.get(name);
    if (!s) throw new RangeError(`no sprite ${JSON.stringify(name)}; sprites: ${[...this.sprites.keys()].join(', ')}`);
    return s;
  }

  /** Copy sprite `name` into `frame` with its top-left corner at pixel (x, y). */
  draw(frame: Frame, name: string, x: number, y: number): void {
    blit(frame, this.sprite(name), x, y);
  }
}

function drawSprite(draw: SpriteDrawer, size: number): Frame {
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  draw(ctx, size);
  const img = ctx.getImageData(0, 0, size, size);
  return { width: size, height: size, data: new Uint8ClampedArray(img.data) };
}

/** Parse '#rrggbb' (or '#rrggbbaa') into [r, g, b, a]. */
export function hexColor(hex: string): [number, number, number, number] {
  const m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(hex);
  if (!m) throw new RangeError(`bad colour ${hex}`);
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255, m[2] ? parseInt(m[2], 16) : 255];
}
