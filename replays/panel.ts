import { InvalidOptionError } from '../envs/core/errors.js';
import { checkIntInRange } from '../envs/core/limits.js';
import { blit, checkFrameSize, createFrame, fillRect, type Frame } from '../envs/render/frame.js';
import { GlyphAtlas, firstLines, layoutText, type TextLayout } from './glyphs.js';
import { describeMismatch, type ReplayMismatch } from './errors.js';
import type { Replay } from './format.js';
import { actionLabel, agentViewAt, formatReward, splitResponse } from './text.js';

export interface PanelOptions {
  /** Panel width in pixels (default 320). */
  width?: number;
  /** Minimum height of the whole image (default 240). */
  minHeight?: number;
  /** Font size in pixels (default 12; monospace glyphs). */
  fontSize?: number;
  /** Margin around the game frame (default 8). */
  margin?: number;
}

/** Bounds of the panel options, checked before anything is drawn (an InvalidOptionError names the option and its bound). */
export const PANEL_LIMITS = {
  width: { min: 64, max: 4096, flag: '--panel-width' },
  fontSize: { min: 6, max: 128, flag: '--font-size' },
  minHeight: { min: 1, max: 8192, flag: null },
  margin: { min: 0, max: 1024, flag: null },
} as const;

/** The panel options with defaults, or an InvalidOptionError naming the field and its limit. */
export function checkPanelOptions(options: PanelOptions = {}): Required<PanelOptions> {
  const defaults: Required<PanelOptions> = { width: 320, minHeight: 240, fontSize: 12, margin: 8 };
  const out = { ...defaults };
  for (const k of Object.keys(PANEL_LIMITS) as (keyof typeof PANEL_LIMITS)[]) {
    const v = options[k];
    if (v === undefined) continue;
    const { min, max, flag } = PANEL_LIMITS[k];
    out[k] = checkIntInRange(`panel ${k}${flag ? ` (${flag})` : ''}`, v, min, max, (m) => new InvalidOptionError(m));
  }
  return out;
}

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
 * Text is blended from glyph masks (GlyphAtlas, drawn once with canvas). The composite
 * frame is a reused buffer: copy or encode it before the next draw().
 */
export class PanelRenderer {
  readonly panelWidth: number;
  readonly width: number;
  readonly height: number;
  private readonly margin: number;
  private readonly out: Frame;
  private readonly small: GlyphAtlas;
  private readonly normal: GlyphAtlas;
  private readonly big: GlyphAtlas;
  // Plan mode shows one response on many frames: lay it out once per room.
  private readonly layoutCache = new Map<string, { cols: number; room: number; layout: TextLayout }>();
  /** The reasoning layout of the last draw() (lines drawn, total lines, marker), or null. */
  lastReasoningLayout: TextLayout | null = null;

  constructor(readonly gameWidth: number, readonly gameHeight: number, options: PanelOptions = {}) {
    const o = checkPanelOptions(options);
    this.panelWidth = o.width;
    const fs = o.fontSize;
    this.margin = o.margin;
    this.width = gameWidth + 2 * this.margin + this.panelWidth;
    this.height = Math.max(gameHeight + 2 * this.margin, o.minHeight);
    checkFrameSize(this.width, this.height, 'replay image');
    this.out = createFrame(this.width, this.height, rgb(COLORS.game));
    this.small = GlyphAtlas.get(Math.max(6, fs - 1));
    this.normal = GlyphAtlas.get(fs);
    this.big = GlyphAtlas.get(fs + 4, true);
  }

  /** The composite image of one state (reused buffer). */
  draw(game: Frame | null, content: PanelContent): Frame {
    const gx = this.margin, gy = Math.floor((this.height - this.gameHeight) / 2);
    fillRect(this.out, 0, 0, this.width - this.panelWidth, this.height, rgb(COLORS.game));
    if (game) blit(this.out, game, gx, gy);
    this.drawPanel(content);
    return this.out;
  }

  private drawPanel(c: PanelContent): void {
    const f = this.out, pad = 10, x0 = this.width - this.panelWidth + pad;
    const inner = this.panelWidth - 2 * pad;
    fillRect(f, this.width - this.panelWidth, 0, this.panelWidth, this.height, rgb(COLORS.bg));
    const bottom = this.height - pad;
    const font = this.normal, lh = font.cellHeight + 2, cols = Math.floor(inner / font.cellWidth);
    let y = pad;
    this.small.draw(f, x0, y, c.title.length > inner / this.small.cellWidth ? c.title.slice(0, Math.floor(inner / this.small.cellWidth) - 1) + '…' : c.title, rgb(COLORS.dim), Math.floor(inner / this.small.cellWidth));
    y += this.small.cellHeight + 2;
    this.big.draw(f, x0, y, c.stepLine, rgb(COLORS.text), Math.floor(inner / this.big.cellWidth));
    y += this.big.cellHeight + 4;
    this.lastReasoningLayout = null;
    for (const line of c.lines) {
      // At most 3 lines each; a longer one ends in '…'.
      const { lines: ls, more } = firstLines(line.text, cols, 3);
      for (let i = 0; i < ls.length; i++) {
        if (y + lh > bottom) return;
        const l = i === ls.length - 1 && more ? [...ls[i]!].slice(0, Math.max(0, cols - 1)).join('') + '…' : ls[i]!;
        font.draw(f, x0, y, l, rgb(COLORS[line.color ?? 'text']), cols);
        y += lh;
      }
    }
    if (c.reasoning === null || y + 2 * lh > bottom) return;
    y += 3;
    fillRect(f, x0, y, inner, 1, rgb(COLORS.rule));
    y += 5;
    font.draw(f, x0, y, c.reasoningTitle ?? 'Reasoning', rgb(COLORS.dim), cols);
    y += lh;
    const key = c.reasoning || '(empty)';
    const room = Math.max(1, Math.floor((bottom - y) / lh));
    let cached = this.layoutCache.get(key);
    if (!cached || cached.cols !== cols || cached.room !== room) {
      if (this.layoutCache.size > 64) this.layoutCache.clear();
      // Too long: keep the head and the tail (the conclusion), mark the elided middle.
      cached = { cols, room, layout: layoutText(key, cols, room, room >= 6 ? 2 : 0) };
      this.layoutCache.set(key, cached);
    }
    const { lines: shown, markerAt: elidedAt } = (this.lastReasoningLayout = cached.layout);
    for (let i = 0; i < shown.length; i++) {
      font.draw(f, x0, y, shown[i]!, rgb(i === elidedAt ? COLORS.dim : COLORS.text), cols);
      y += lh;
    }
  }
}

const rgbCache = new Map<string, number[]>();
function rgb(c: string): number[] {
  let v = rgbCache.get(c);
  if (!v) {
    const n = parseInt(c.slice(1), 16);
    rgbCache.set(c, (v = [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255]));
  }
  return v;
}
