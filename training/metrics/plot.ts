/**
 * Small line plots as PNG (canvas): training curves, and mean curves with a shaded band
 * across seeds (ablations). No charting dependency: axes, ticks, legend and lines only.
 */
import { createCanvas, type CanvasRenderingContext2D } from 'canvas';
import { writeFileAtomic } from '../../envs/render/png.js';
import { maxOf, minOf } from '../../envs/core/arrays.js';

export interface PlotSeries {
  label: string;
  /** [x, y] points; non-finite y values are gaps. */
  points: readonly (readonly [number, number])[];
  /** Optional band [x, lo, hi] drawn shaded under the line (e.g. a 95% interval). */
  band?: readonly (readonly [number, number, number])[];
  /** CSS colour; default from the palette. */
  color?: string;
  /** Dashed line (e.g. eval next to train). */
  dashed?: boolean;
  /** Vertical interval whiskers [x, lo, hi] (e.g. an eval's 95% interval), drawn with caps. */
  whiskers?: readonly (readonly [number, number, number])[];
  /** Draw a dot at every point (default: only for short series). */
  markPoints?: boolean;
}

export interface LinePlotOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly PlotSeries[];
  width?: number;
  height?: number;
  /** Fixed y range (default: from the data, padded). */
  yMin?: number;
  yMax?: number;
  /** Fixed x range (default: from the data). */
  xMin?: number;
  xMax?: number;
  /** Vertical marker lines, e.g. stage boundaries. */
  markers?: readonly { x: number; label: string }[];
  /** Lines of small text under the title (what was left out, how to read it). */
  notes?: readonly string[];
}

/**
 * Rows for marker labels so that none overlaps another: each label (left edge x, width)
 * goes in the first row whose last label ends at least `gap` px before it. A label that
 * would run past `right` is placed to the left of its x (align 'right'). Pure.
 */
export function layoutMarkerLabels(items: readonly { x: number; width: number }[], right: number, gap = 6): { row: number; left: number; align: 'left' | 'right' }[] {
  const ends: number[] = [];
  const order = items.map((it, i) => i).sort((a, b) => items[a]!.x - items[b]!.x || a - b);
  const out: { row: number; left: number; align: 'left' | 'right' }[] = new Array(items.length);
  for (const i of order) {
    const it = items[i]!;
    const align = it.x + 3 + it.width > right ? 'right' : 'left';
    const left = align === 'left' ? it.x + 3 : it.x - 3 - it.width;
    let row = ends.findIndex((end) => left >= end + gap);
    if (row < 0) { row = ends.length; ends.push(0); }
    ends[row] = left + it.width;
    out[i] = { row, left, align };
  }
  return out;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** "Nice" tick values covering [lo, hi] (1, 2, 5 x 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Tick label with as many decimals as the tick spacing needs. */
function fmt(v: number, step: number): string {
  const a = Math.abs(v);
  if (a >= 1e5 || (step > 0 && step < 1e-4)) return v.toExponential(2);
  const decimals = step > 0 ? Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : 2;
  return v.toFixed(decimals);
}

const tickStep = (t: number[]) => (t.length > 1 ? t[1]! - t[0]! : 0);

/** Draw a line plot; returns PNG bytes. */
export function linePlotPng(o: LinePlotOptions): Buffer {
  const W = o.width ?? 640, H = o.height ?? 400;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  const notes = o.notes ?? [];
  const left = 64, right = 16, top = 36 + 13 * notes.length, bottom = 48;
  const legendRows = o.series.length;
  const plotW = W - left - right, plotH = H - top - bottom;

  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const s of o.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xMin = Math.min(xMin, x); xMax = Math.max(xMax, x); yMin = Math.min(yMin, y); yMax = Math.max(yMax, y);
    }
    for (const [x, lo, hi] of [...(s.band ?? []), ...(s.whiskers ?? [])]) {
      if (!Number.isFinite(x)) continue;
      if (Number.isFinite(lo)) yMin = Math.min(yMin, lo);
      if (Number.isFinite(hi)) yMax = Math.max(yMax, hi);
    }
  }
  const empty = !Number.isFinite(xMin);
  if (empty) { xMin = 0; xMax = 1; yMin = 0; yMax = 1; }
  if (o.xMin !== undefined) xMin = o.xMin;
  if (o.xMax !== undefined) xMax = o.xMax;
  if (xMax === xMin) { xMin -= 0.5; xMax += 0.5; }
  if (o.yMin !== undefined) yMin = o.yMin;
  if (o.yMax !== undefined) yMax = o.yMax;
  if (yMax === yMin) {
    if (o.yMin !== undefined && o.yMax === undefined) yMax = yMin + (Math.abs(yMin) || 1);
    else if (o.yMax !== undefined && o.yMin === undefined) yMin = yMax - (Math.abs(yMax) || 1);
    else { yMin -= 0.5; yMax += 0.5; }
  } else {
    // Pad the ends that were not fixed.
    const pad = (yMax - yMin) * 0.05;
    if (o.yMin === undefined) yMin -= pad;
    if (o.yMax === undefined) yMax += pad;
  }
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;

  // Grid, ticks and labels.
  drawYGrid(ctx, yMin, yMax, py, left, plotW);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xTicks = niceTicks(xMin, xMax, 6);
  for (const t of xTicks) {
    const x = Math.round(px(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + plotH); ctx.stroke();
    ctx.fillText(fmt(t, tickStep(xTicks)), x, top + plotH + 4);
  }
  ctx.strokeStyle = '#555555';
  ctx.strokeRect(left + 0.5, top + 0.5, plotW, plotH);
  if (o.xLabel) ctx.fillText(o.xLabel, left + plotW / 2, H - 18);
  if (o.yLabel) {
    ctx.save(); ctx.translate(14, top + plotH / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = 'middle'; ctx.fillText(o.yLabel, 0, 0); ctx.restore();
  }
  drawTitle(ctx, o.title, notes, W);

  // Stage markers; labels in rows at the bottom of the plot so that none overlaps.
  ctx.font = '10px "DejaVu Sans", sans-serif';
  ctx.textAlign = 'left';
  const shown = (o.markers ?? []).filter((m) => m.x >= xMin && m.x <= xMax);
  const places = layoutMarkerLabels(shown.map((m) => ({ x: px(m.x), width: ctx.measureText(m.label).width })), left + plotW);
  shown.forEach((m, i) => {
    const x = Math.round(px(m.x)) + 0.5;
    ctx.strokeStyle = '#999999';
    ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + plotH); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#777777';
    ctx.textBaseline = 'bottom';
    ctx.fillText(m.label, places[i]!.left, top + plotH - 3 - 12 * places[i]!.row);
    ctx.textBaseline = 'top';
  });

  // Clip the data to the plot area.
  ctx.save();
  ctx.beginPath(); ctx.rect(left, top, plotW, plotH); ctx.clip();
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const band = (s.band ?? []).filter(([x, lo, hi]) => Number.isFinite(x) && Number.isFinite(lo) && Number.isFinite(hi));
    if (band.length > 1) {
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = color;
      ctx.beginPath();
      band.forEach(([x, , hi], k) => (k === 0 ? ctx.moveTo(px(x), py(hi)) : ctx.lineTo(px(x), py(hi))));
      for (let k = band.length - 1; k >= 0; k--) ctx.lineTo(px(band[k]![0]), py(band[k]![1]));
      ctx.closePath();
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.8;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    let pen = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = false; continue; }
      if (pen) ctx.lineTo(px(x), py(y)); else ctx.moveTo(px(x), py(y));
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (s.whiskers?.length) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      for (const [x, lo, hi] of s.whiskers) {
        if (!Number.isFinite(x) || !Number.isFinite(lo) || !Number.isFinite(hi)) continue;
        const wx = px(x);
        ctx.beginPath();
        ctx.moveTo(wx, py(lo)); ctx.lineTo(wx, py(hi));
        ctx.moveTo(wx - 4, py(lo)); ctx.lineTo(wx + 4, py(lo));
        ctx.moveTo(wx - 4, py(hi)); ctx.lineTo(wx + 4, py(hi));
        ctx.stroke();
      }
    }
    if (s.markPoints || s.points.length < 12) {
      ctx.fillStyle = color;
      for (const [x, y] of s.points) if (Number.isFinite(y)) { ctx.beginPath(); ctx.arc(px(x), py(y), s.markPoints ? 3.5 : 2.5, 0, Math.PI * 2); ctx.fill(); }
    }
  });
  ctx.restore();

  // Legend (top-left inside the plot).
  if (legendRows > 0) {
    ctx.font = '11px "DejaVu Sans", sans-serif';
    const lw = maxOf(o.series.map((s) => ctx.measureText(s.label).width)) + 34;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(left + 6, top + 6, lw, legendRows * 15 + 6);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    o.series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length]!;
      const y = top + 14 + i * 15;
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash(s.dashed ? [4, 3] : []);
      ctx.beginPath(); ctx.moveTo(left + 12, y); ctx.lineTo(left + 32, y); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#222222';
      ctx.fillText(s.label, left + 36, y);
    });
  }
  if (empty) {
    ctx.fillStyle = '#999999'; ctx.textAlign = 'center'; ctx.font = '13px "DejaVu Sans", sans-serif';
    ctx.fillText('no data', left + plotW / 2, top + plotH / 2);
  }
  return canvas.toBuffer('image/png');
}

function drawTitle(ctx: CanvasRenderingContext2D, title: string, notes: readonly string[], W: number): void {
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#333333';
  ctx.font = 'bold 13px "DejaVu Sans", sans-serif';
  ctx.fillText(title, W / 2, 10);
  ctx.font = '10px "DejaVu Sans", sans-serif';
  ctx.fillStyle = '#777777';
  notes.forEach((n, i) => ctx.fillText(n, W / 2, 28 + 13 * i));
}

export interface BarChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  bars: readonly { label: string; value: number; lo?: number; hi?: number; color?: string; note?: string }[];
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
  notes?: readonly string[];
}

/** Bars for categories (arms, env groups), with optional interval whiskers; returns PNG bytes. */
export function barChartPng(o: BarChartOptions): Buffer {
  const W = o.width ?? 640, H = o.height ?? 400;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  const notes = o.notes ?? [];
  const left = 64, right = 16, top = 36 + 13 * notes.length, bottom = 64;
  const plotW = W - left - right, plotH = H - top - bottom;
  let yMin = o.yMin ?? Math.min(0, minOf(o.bars.map((b) => Math.min(b.value, b.lo ?? b.value)).filter(Number.isFinite)));
  let yMax = o.yMax ?? Math.max(0, maxOf(o.bars.map((b) => Math.max(b.value, b.hi ?? b.value)).filter(Number.isFinite)));
  if (!(yMax > yMin)) { yMin = 0; yMax = 1; }
  const py = (y: number) => top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  drawYGrid(ctx, yMin, yMax, py, left, plotW);
  ctx.strokeStyle = '#555555';
  ctx.strokeRect(left + 0.5, top + 0.5, plotW, plotH);
  const n = Math.max(1, o.bars.length);
  const slot = plotW / n, bw = Math.min(90, slot * 0.6);
  o.bars.forEach((b, i) => {
    const cx = left + slot * (i + 0.5);
    const color = b.color ?? PALETTE[i % PALETTE.length]!;
    if (Number.isFinite(b.value)) {
      ctx.fillStyle = color;
      ctx.globalAlpha = 0.75;
      const y0 = py(Math.max(yMin, Math.min(yMax, 0))), y1 = py(b.value);
      ctx.fillRect(cx - bw / 2, Math.min(y0, y1), bw, Math.abs(y0 - y1));
      ctx.globalAlpha = 1;
    }
    if (b.lo !== undefined && b.hi !== undefined && Number.isFinite(b.lo) && Number.isFinite(b.hi)) {
      ctx.strokeStyle = '#222222';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(cx, py(b.lo)); ctx.lineTo(cx, py(b.hi));
      ctx.moveTo(cx - 8, py(b.lo)); ctx.lineTo(cx + 8, py(b.lo));
      ctx.moveTo(cx - 8, py(b.hi)); ctx.lineTo(cx + 8, py(b.hi));
      ctx.stroke();
    }
    ctx.fillStyle = '#222222';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.font = '10px "DejaVu Sans", sans-serif';
    if (b.note) ctx.fillText(b.note, cx, Math.max(top + 12, py(Math.max(b.value, b.hi ?? b.value)) - 3));
    ctx.textBaseline = 'top';
    ctx.font = '11px "DejaVu Sans", sans-serif';
    ctx.fillText(clipLabel(ctx, b.label, slot - 4), cx, top + plotH + 4);
  });
  ctx.fillStyle = '#333333';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  if (o.xLabel) ctx.fillText(o.xLabel, left + plotW / 2, H - 22);
  if (o.yLabel) {
    ctx.save(); ctx.translate(14, top + plotH / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = 'middle'; ctx.fillText(o.yLabel, 0, 0); ctx.restore();
  }
  drawTitle(ctx, o.title, notes, W);
  return canvas.toBuffer('image/png');
}

function clipLabel(ctx: CanvasRenderingContext2D, s: string, width: number): string {
  if (ctx.measureText(s).width <= width) return s;
  let t = s;
  while (t.length > 1 && ctx.measureText(t + '…').width > width) t = t.slice(0, -1);
  return t + '…';
}

/** Draw and write a bar chart atomically. */
export async function saveBarChart(path: string, o: BarChartOptions): Promise<void> {
  await writeFileAtomic(path, barChartPng(o));
}

/** Draw and write a plot atomically. */
/** Horizontal grid lines at nice y ticks, with their labels left of the plot area. */
function drawYGrid(ctx: CanvasRenderingContext2D, yMin: number, yMax: number, py: (y: number) => number, left: number, plotW: number): void {
  ctx.font = '11px "DejaVu Sans", sans-serif';
  ctx.strokeStyle = '#e5e5e5';
  ctx.fillStyle = '#333333';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yTicks = niceTicks(yMin, yMax);
  for (const t of yTicks) {
    const y = Math.round(py(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + plotW, y); ctx.stroke();
    ctx.fillText(fmt(t, tickStep(yTicks)), left - 6, y);
  }
}

export async function saveLinePlot(path: string, o: LinePlotOptions): Promise<void> {
  await writeFileAtomic(path, linePlotPng(o));
}

/** Exponential moving average of y (x unchanged); alpha in (0, 1], 1 = no smoothing. Skips non-finite values. */
export function smoothEma(points: readonly (readonly [number, number])[], alpha: number): [number, number][] {
  let s: number | null = null;
  return points.map(([x, y]) => {
    if (Number.isFinite(y)) s = s === null ? y : alpha * y + (1 - alpha) * s;
    return [x, s ?? NaN];
  });
}
