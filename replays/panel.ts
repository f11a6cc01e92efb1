import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import { blit, createFrame, type Frame } from '../envs/render/frame.js';
import { describeMismatch, type ReplayMismatch } from './errors.js';
import type { Replay } from './format.js';
import { actionLabel, agentViewAt, formatReward, splitResponse } from './text.js';

export interface PanelOptions {
  /** Panel width in pixels (default 320). */
  width?: number;
  /** Minimum height of the whole image (default 240). */
  minHeight?: number;
  /** Font size in pixels (default 12). */
  fontSize?: number;
  /** Margin around the game frame (default 8). */
  margin?: number;
}

const FONT_FAMILY = '"DejaVu Sans Mono", "Liberation Mono", monospace';
const COLORS = { bg: '#1d1f27', game: '#101218', text: '#e6e6e6', dim: '#9aa0aa', good: '#7bd88f', bad: '#ff6b6b', accent: '#ffd866', rule: '#3a3d4a' };

/** What the panel shows for one state (see `panelContent`). */
export interface PanelContent {
  title: string;
  stepLine: string;
  lines: { text: string; color?: keyof typeof COLORS }[];
  reasoningTitle: string | null;
  reasoning: string | null;
}

/** The panel text of state `index` of a replay (index 0: start; steps.length: final state). */
export function panelContent(replay: Replay, index: number, returns: readonly number[], mismatches: readonly ReplayMismatch[] = []): PanelContent {
  const { header, steps, end } = replay;
  const n = steps.length;
  const names = header.actionNames ?? null;
  const title = [header.envId ?? 'env', header.seed !== null ? `seed ${header.seed}` : null, header.agent ? `agent ${header.agent.name}` : null].filter(Boolean).join(' · ');
  const lines: PanelContent['lines'] = [];
  const step = steps[index];
  let stepLine: string;
  if (step) {
    stepLine = `Step ${index + 1} / ${n}`;
    lines.push({ text: `Action  ${actionLabel(step.action, names)}` });
    if (step.parsedAction !== undefined && JSON.stringify(step.parsedAction) !== JSON.stringify(step.action)) lines.push({ text: `Parsed  ${actionLabel(step.parsedAction, names)}`, color: 'dim' });
    lines.push({ text: `Reward  ${formatReward(step.reward)} · return ${formatReward(returns[index + 1]!).replace(/^\+/, '')}`, color: step.reward > 0 ? 'good' : step.reward < 0 ? 'bad' : 'text' });
    if (step.rewardComponents) lines.push({ text: Object.entries(step.rewardComponents).map(([k, v]) => `${k} ${formatReward(v).replace(/^\+/, '')}`).join(' · '), color: 'dim' });
    if (step.parseError) lines.push({ text: `Parse error: ${step.parseError}`, color: 'bad' });
    if (step.terminated || step.truncated) lines.push({ text: step.terminated ? 'Episode ends: terminated' : 'Episode ends: truncated (limit)', color: 'accent' });
  } else {
    stepLine = n === 0 ? 'Start (no steps)' : `End · ${n} step${n === 1 ? '' : 's'}`;
    const last = steps[n - 1];
    lines.push({ text: `Return  ${formatReward(returns[n] ?? 0)}`, color: (returns[n] ?? 0) > 0 ? 'good' : 'text' });
    lines.push({ text: last?.terminated ? 'terminated' : last?.truncated ? 'truncated (limit)' : end ? 'not finished (cut by the caller)' : 'partial replay (writer did not close)', color: 'accent' });
    if (end?.summary) lines.push({ text: Object.entries(end.summary).map(([k, v]) => `${k}: ${typeof v === 'number' ? formatReward(v).replace(/^\+/, '') : JSON.stringify(v)}`).join(' · '), color: 'dim' });
  }
  for (const m of mismatches) lines.push({ text: `MISMATCH ${describeMismatch(m)}`, color: 'bad' });
  let reasoningTitle: string | null = null, reasoning: string | null = null;
  const view = agentViewAt(replay, index);
  if (view) {
    for (const t of view.idleTurns) lines.push({ text: `Turn ${t.turn + 1}: no env step${t.parseError ? ` (${t.parseError})` : ''}${t.reward !== undefined ? ` · reward ${formatReward(t.reward)}` : ''}`, color: 'bad' });
    if (view.parseError) lines.push({ text: `Parse error: ${view.parseError}`, color: 'bad' });
    if (view.turnReward !== undefined || view.rewardComponents) {
      const parts = [view.turnReward !== undefined ? `turn reward ${formatReward(view.turnReward)}` : null, ...Object.entries(view.rewardComponents ?? {}).map(([k, v]) => `${k} ${formatReward(v).replace(/^\+/, '')}`)];
      lines.push({ text: parts.filter(Boolean).join(' · '), color: 'dim' });
    }
    if (view.response !== null) {
      const { reasoning: r, answer } = splitResponse(view.response);
      if (answer !== null) lines.push({ text: `Answer  ${answer}`, color: 'accent' });
      reasoningTitle = `${view.title} · reasoning`;
      reasoning = r;
    }
  }
  return { title, stepLine, lines, reasoningTitle, reasoning };
}

/**
 * Draws annotated replay frames: the game frame on the left, a text panel on the right.
 * One canvas is reused for every panel; the composite frame is reused too (copy it to keep it).
 */
export class PanelRenderer {
  readonly panelWidth: number;
  readonly width: number;
  readonly height: number;
  private readonly canvas: Canvas;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly font: number;
  private readonly margin: number;
  private readonly out: Frame;
  private readonly gameBg: Frame;
  // Plan mode shows one response on many frames: wrap it once.
  private readonly wrapCache = new Map<string, string[]>();

  constructor(readonly gameWidth: number, readonly gameHeight: number, options: PanelOptions = {}) {
    this.panelWidth = options.width ?? 320;
    this.font = options.fontSize ?? 12;
    this.margin = options.margin ?? 8;
    this.width = gameWidth + 2 * this.margin + this.panelWidth;
    this.height = Math.max(gameHeight + 2 * this.margin, options.minHeight ?? 240);
    this.canvas = createCanvas(this.panelWidth, this.height);
    this.ctx = this.canvas.getContext('2d');
    this.out = createFrame(this.width, this.height, hex(COLORS.game));
    this.gameBg = createFrame(gameWidth + 2 * this.margin, this.height, hex(COLORS.game));
  }

  /** The composite image of one state (reused buffer). */
  draw(game: Frame | null, content: PanelContent): Frame {
    const gx = this.margin, gy = Math.floor((this.height - this.gameHeight) / 2);
    blit(this.out, this.gameBg, 0, 0);
    if (game) blit(this.out, game, gx, gy);
    this.drawPanel(content);
    const img = this.ctx.getImageData(0, 0, this.panelWidth, this.height);
    blit(this.out, { width: this.panelWidth, height: this.height, data: img.data as unknown as Uint8ClampedArray }, this.width - this.panelWidth, 0);
    return this.out;
  }

  private drawPanel(c: PanelContent): void {
    const ctx = this.ctx, fs = this.font, pad = 10, lh = Math.round(fs * 1.35);
    const maxW = this.panelWidth - 2 * pad;
    ctx.fillStyle = COLORS.bg;
    ctx.fillRect(0, 0, this.panelWidth, this.height);
    ctx.textBaseline = 'top';
    let y = pad;
    const text = (s: string, color: string, size = fs, bold = false) => {
      ctx.font = `${bold ? 'bold ' : ''}${size}px ${FONT_FAMILY}`;
      ctx.fillStyle = color;
      ctx.fillText(s, pad, y);
    };
    text(fitLine(ctx, c.title, maxW, `${fs - 1}px ${FONT_FAMILY}`), COLORS.dim, fs - 1);
    y += lh;
    text(c.stepLine, COLORS.text, fs + 4, true);
    y += Math.round((fs + 4) * 1.4);
    ctx.font = `${fs}px ${FONT_FAMILY}`;
    for (const line of c.lines) {
      for (const l of wrapText(ctx, line.text, maxW).slice(0, 3)) {
        if (y + lh > this.height - pad) return;
        text(l, COLORS[line.color ?? 'text']);
        y += lh;
      }
    }
    if (c.reasoning === null) return;
    y += 4;
    ctx.fillStyle = COLORS.rule;
    ctx.fillRect(pad, y, maxW, 1);
    y += 6;
    text(c.reasoningTitle ?? 'Reasoning', COLORS.dim);
    y += lh;
    ctx.font = `${fs}px ${FONT_FAMILY}`;
    const key = c.reasoning || '(empty)';
    let wrapped = this.wrapCache.get(key);
    if (!wrapped) {
      if (this.wrapCache.size > 64) this.wrapCache.clear();
      this.wrapCache.set(key, (wrapped = wrapText(ctx, key, maxW)));
    }
    const room = Math.max(1, Math.floor((this.height - pad - y) / lh));
    // Too long: keep the head and the tail (the conclusion), elide the middle.
    let shown = wrapped;
    if (wrapped.length > room) {
      const tail = room >= 6 ? 2 : 0;
      const head = room - tail - 1;
      shown = [...wrapped.slice(0, head), `… (${wrapped.length - head - tail} more lines)`, ...wrapped.slice(wrapped.length - tail)];
    }
    for (const l of shown) {
      text(l, l.startsWith('… (') ? COLORS.dim : COLORS.text);
      y += lh;
    }
  }
}

/** Word-wrap to `maxWidth` pixels with the context's current font; long words break by characters. */
export function wrapText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const out: string[] = [];
  for (const para of text.replace(/\r/g, '').replace(/\t/g, '  ').split('\n')) {
    let line = '';
    for (const word of para.split(/ +/)) {
      const candidate = line ? `${line} ${word}` : word;
      if (ctx.measureText(candidate).width <= maxWidth) { line = candidate; continue; }
      if (line) out.push(line);
      line = word;
      while (line.length > 1 && ctx.measureText(line).width > maxWidth) {
        let k = line.length - 1;
        while (k > 1 && ctx.measureText(line.slice(0, k)).width > maxWidth) k--;
        out.push(line.slice(0, k));
        line = line.slice(k);
      }
    }
    out.push(line);
  }
  while (out.length > 1 && out[out.length - 1] === '') out.pop();
  return out;
}

function fitLine(ctx: CanvasRenderingContext2D, s: string, maxWidth: number, font: string): string {
  ctx.font = font;
  if (ctx.measureText(s).width <= maxWidth) return s;
  let k = s.length;
  while (k > 1 && ctx.measureText(s.slice(0, k) + '…').width > maxWidth) k--;
  return s.slice(0, k) + '…';
}

function hex(c: string): number[] {
  const v = parseInt(c.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255, 255];
}
