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

/** Code points in s[start, end) (a surrogate pair counts once). */
function codePoints(s: string, start = 0, end = s.length): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The index after `count` code points from `start` (never splits a surrogate pair). */
function advance(s: string, start: number, count: number): number {
  let i = start;
  for (let n = 0; n < count && i < s.length; n++) {
    const c = s.charCodeAt(i++);
    if (c >= 0xd800 && c <= 0xdbff && i < s.length) {
      const d = s.charCodeAt(i);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return i;
}

/**
 * The lines of `text` word-wrapped to `columns` characters (monospace), produced lazily in
 * one pass: linear time, and memory for one line, whatever the text (a 100 MB word is cut
 * into lines of `columns` characters without being copied into an array). Words longer
 * than a line are broken; newlines are kept, tabs become two spaces, runs of spaces between
 * words collapse, trailing empty lines are dropped.
 */
export function* wrapLines(text: string, columns: number): Generator<string> {
  const cols = Math.max(1, Math.floor(columns));
  const t = text.replace(/\r/g, '').replace(/\t/g, '  ');
  let yielded = false, pendingEmpty = 0;
  function* emit(line: string): Generator<string> {
    if (line === '') { pendingEmpty++; return; }
    for (; pendingEmpty > 0; pendingEmpty--) yield '';
    yielded = true;
    yield line;
  }
  let p = 0;
  for (;;) {
    const nl = t.indexOf('\n', p);
    const pEnd = nl < 0 ? t.length : nl;
    let line = '', lineLen = 0, w = p;
    for (;;) {
      const sp = t.indexOf(' ', w);
      const wEnd = sp < 0 || sp > pEnd ? pEnd : sp;
      const len = codePoints(t, w, wEnd);
      if (line !== '' && lineLen + 1 + len <= cols) {
        line += ' ' + t.slice(w, wEnd);
        lineLen += 1 + len;
      } else {
        if (line !== '') yield* emit(line);
        let start = w, rest = len;
        while (rest > cols) {
          const next = advance(t, start, cols);
          yield* emit(t.slice(start, next));
          start = next;
          rest -= cols;
        }
        line = t.slice(start, wEnd);
        lineLen = rest;
      }
      if (wEnd >= pEnd) break;
      w = wEnd;
      while (w < pEnd && t.charCodeAt(w) === 32) w++;
    }
    yield* emit(line);
    if (nl < 0) break;
    p = nl + 1;
  }
  if (!yielded) yield '';
}

/** All the lines of `wrapLines` (see there). */
export function wrapColumns(text: string, columns: number): string[] {
  return [...wrapLines(text, columns)];
}

/** The first `maxLines` lines of `text` wrapped to `columns`, and whether more follow (stops reading there). */
export function firstLines(text: string, columns: number, maxLines: number): { lines: string[]; more: boolean } {
  const lines: string[] = [];
  for (const line of wrapLines(text, columns)) {
    if (lines.length >= maxLines) return { lines, more: true };
    lines.push(line);
  }
  return { lines, more: false };
}

/** A text fitted into a box of `maxLines` lines (see `layoutText`). */
export interface TextLayout {
  /** The lines to draw, at most maxLines; when truncated one of them is the marker. */
  lines: string[];
  /** How many lines the whole text wraps to. */
  total: number;
  /** Index in `lines` of the marker line `… (N more lines)`, or -1 when all of the text is shown. */
  markerAt: number;
}

/**
 * Wrap `text` to `columns` and fit it into `maxLines` lines in one linear pass with bounded
 * memory: when it is longer, keep the head and the last `tailLines` lines (the conclusion)
 * and put a visible marker `… (N more lines)` in between.
 */
export function layoutText(text: string, columns: number, maxLines: number, tailLines = 0): TextLayout {
  const room = Math.max(1, Math.floor(maxLines));
  const tail = Math.max(0, Math.min(Math.floor(tailLines), room - 1));
  const first: string[] = [];
  const ring: string[] = new Array<string>(tail);
  let total = 0;
  for (const line of wrapLines(text, columns)) {
    if (first.length < room) first.push(line);
    if (tail > 0) ring[total % tail] = line;
    total++;
  }
  if (total <= room) return { lines: first, total, markerAt: -1 };
  const head = room - tail - 1;
  const last: string[] = [];
  for (let k = total - tail; k < total; k++) last.push(ring[k % tail]!);
  return { lines: [...first.slice(0, head), `… (${total - head - tail} more lines)`, ...last], total, markerAt: head };
}
