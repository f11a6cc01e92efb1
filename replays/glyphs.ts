import { createCanvas } from 'canvas';
import type { Frame } from '../envs/render/frame.js';

const FONT_FAMILY = '"DejaVu Sans Mono", "Liberation Mono", monospace';

/**
 * A monospace font drawn once per glyph with `canvas` and kept as alpha masks, so drawing
 * a text panel per replay frame is byte blending instead of canvas text layout (which
 * costs milliseconds per line). Glyphs are drawn lazily on first use; atlases are cached
 * per (size, weight).
 */
export class GlyphAtlas {
  private static readonly cache = new Map<string, GlyphAtlas>();
  readonly cellWidth: number;
  readonly cellHeight: number;
  private readonly masks = new Map<string, Uint8Array>();
  private readonly font: string;
  private readonly baseline: number;

  private constructor(readonly size: number, readonly bold: boolean) {
    this.font = `${bold ? 'bold ' : ''}${size}px ${FONT_FAMILY}`;
    const ctx = createCanvas(8, 8).getContext('2d');
    ctx.font = this.font;
    const m = ctx.measureText('M');
    this.cellWidth = Math.max(1, Math.round(m.width));
    this.cellHeight = Math.ceil(size * 1.25);
    this.baseline = Math.round(size * 0.95);
  }

  /** The shared atlas for a font size and weight. */
  static get(size: number, bold = false): GlyphAtlas {
    const key = `${size}:${bold ? 'b' : 'r'}`;
    let atlas = GlyphAtlas.cache.get(key);
    if (!atlas) GlyphAtlas.cache.set(key, (atlas = new GlyphAtlas(size, bold)));
    return atlas;
  }

  /** Alpha mask (cellWidth x cellHeight) of one character. */
  mask(ch: string): Uint8Array {
    let m = this.masks.get(ch);
    if (!m) {
      const canvas = createCanvas(this.cellWidth, this.cellHeight);
      const ctx = canvas.getContext('2d');
      ctx.font = this.font;
      ctx.fillStyle = '#ffffff';
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(ch, 0, this.baseline);
      const data = ctx.getImageData(0, 0, this.cellWidth, this.cellHeight).data;
      m = new Uint8Array(this.cellWidth * this.cellHeight);
      for (let i = 0; i < m.length; i++) m[i] = data[i * 4 + 3]!;
      if (this.masks.size < 4096) this.masks.set(ch, m);
    }
    return m;
  }

  /** Draw `text` (one line, clipped to the frame and to `maxChars`) at (x, y) in `rgb`. Returns the x after it. */
  draw(frame: Frame, x: number, y: number, text: string, rgb: readonly number[], maxChars = Infinity): number {
    const cw = this.cellWidth, ch = this.cellHeight, d = frame.data, fw = frame.width;
    const r = rgb[0]!, g = rgb[1]!, b = rgb[2]!;
    let n = 0;
    for (const c of text) {
      if (n++ >= maxChars || x + cw > fw) break;
      if (c !== ' ') {
        const m = this.mask(c);
        for (let yy = 0; yy < ch; yy++) {
          const py = y + yy;
          if (py < 0 || py >= frame.height) continue;
          let di = (py * fw + x) * 4, mi = yy * cw;
          for (let xx = 0; xx < cw; xx++, di += 4, mi++) {
            const a = m[mi]!;
            if (a === 0) continue;
            if (a === 255) { d[di] = r; d[di + 1] = g; d[di + 2] = b; continue; }
            const k = a / 255, ik = 1 - k;
            d[di] = r * k + d[di]! * ik; d[di + 1] = g * k + d[di + 1]! * ik; d[di + 2] = b * k + d[di + 2]! * ik;
          }
        }
      }
      x += cw;
    }
    return x;
  }
}

/**
 * Word-wrap to `columns` characters per line (monospace); words longer than a line are
 * broken. Newlines are kept, tabs become two spaces, trailing empty lines are dropped.
 */
export function wrapColumns(text: string, columns: number): string[] {
  const cols = Math.max(1, Math.floor(columns));
  const out: string[] = [];
  for (const para of text.replace(/\r/g, '').replace(/\t/g, '  ').split('\n')) {
    let line = '';
    for (const word of para.split(/ +/)) {
      const chars = [...word];
      if (line && [...line].length + 1 + chars.length <= cols) { line += ' ' + word; continue; }
      if (line) out.push(line);
      let rest = chars;
      while (rest.length > cols) { out.push(rest.slice(0, cols).join('')); rest = rest.slice(cols); }
      line = rest.join('');
    }
    out.push(line);
  }
  while (out.length > 1 && out[out.length - 1] === '') out.pop();
  return out;
}
