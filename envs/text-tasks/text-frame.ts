import { createCanvas, type Canvas } from 'canvas';
import type { Frame } from '../render/frame.js';

let canvas: Canvas | null = null;

/**
 * Draw lines of text on a light card (monospace, wrapped to the width) and return the
 * pixels. Uses canvas, so call it once per state change (reset/step of a single-step
 * task), never per frame of a hot loop. Returns a new frame.
 */
export function renderTextFrame(text: string, width = 320, height = 160, fontSize = 14): Frame {
  if (!canvas || canvas.width !== width || canvas.height !== height) canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fbf8ef';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#c9bfa6';
  ctx.lineWidth = 2;
  ctx.strokeRect(1, 1, width - 2, height - 2);
  ctx.fillStyle = '#1f2933';
  ctx.font = `${fontSize}px monospace`;
  ctx.textBaseline = 'top';
  const maxChars = Math.max(8, Math.floor((width - 16) / (fontSize * 0.6)));
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if ((line + ' ' + word).trim().length > maxChars && line) { lines.push(line); line = word; }
      else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  const lineHeight = Math.round(fontSize * 1.3);
  lines.slice(0, Math.floor((height - 16) / lineHeight)).forEach((l, i) => ctx.fillText(l, 8, 8 + i * lineHeight));
  const img = ctx.getImageData(0, 0, width, height);
  return { width, height, data: new Uint8ClampedArray(img.data) };
}
