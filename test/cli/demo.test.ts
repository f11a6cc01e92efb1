import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { createFrame, decodePng } from '../../envs/index.js';
import { episodeSheet, evenlySpaced, run } from '../../cli/commands/demo.js';

async function demo(args: string[]): Promise<{ dir: string; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lmm-demo-'));
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.join(' ')); });
  try {
    expect(await run([...args, '--out', dir])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return { dir, log: lines.join('\n') };
}

describe('lmm-gym demo', () => {
  it('Football: the scripted attacker scores; a 512x256 GIF of every frame, the goal frame last', async () => {
    const { dir, log } = await demo(['--env', 'Football-v0', '--seed', '0']);
    expect(log).toMatch(/scripted attacker: (\d+) steps \(solved\), return 1\.00/);
    const steps = Number(/scripted attacker: (\d+) steps/.exec(log)![1]);
    const pngs = readdirSync(dir).filter((f) => /^frame-\d+\.png$/.test(f)).sort();
    expect(pngs).toHaveLength(steps + 1);
    const meta = await sharp(readFileSync(join(dir, 'demo.gif')), { animated: true }).metadata();
    expect([meta.width, meta.pageHeight, meta.pages]).toEqual([512, 256, steps + 1]);
    expect(meta.delay![0]).toBe(100); // Football renders at 10 fps
    expect(meta.delay!.at(-1)).toBe(800); // the goal held longer
    const last = await decodePng(readFileSync(join(dir, pngs.at(-1)!)));
    expect([last.width, last.height]).toEqual([512, 256]);
    // The contact sheet: at most 20 frames of at most 256 px, 5 per row.
    const sheet = await decodePng(readFileSync(join(dir, 'contact-sheet.png')));
    expect(sheet.width).toBe(5 * (256 + 2) + 2);
  }, 300_000);

  it('Sokoban: the solver plan solves the level; --policy random does not claim to', async () => {
    const solved = await demo(['--env', 'Sokoban-v0', '--seed', '1', '--steps', '200']);
    expect(solved.log).toMatch(/solver: \d+ steps \(solved\)/);
    const random = await demo(['--env', 'Sokoban-v0', '--seed', '1', '--steps', '5', '--policy', 'random']);
    expect(random.log).toMatch(/random: 5 steps \(step limit\)/);
    await expect(run(['--policy', 'smart'])).rejects.toThrow(/--policy must be scripted or random/);
  }, 300_000);

  it('evenlySpaced keeps the first and the last; the sheet shrinks wide frames', () => {
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
    expect(evenlySpaced([1, 2], 20)).toEqual([1, 2]);
    const frames = Array.from({ length: 30 }, () => createFrame(512, 256));
    const sheet = episodeSheet(frames);
    expect([sheet.width, sheet.height]).toEqual([5 * 258 + 2, 4 * 130 + 2]);
  });
});
