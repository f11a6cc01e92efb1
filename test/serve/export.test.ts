// `lmm-gym export`: LMM-R1 and verl training sets on disk, deterministic per seed, with
// labels the reward endpoint scores.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng, exportDataset, EXPORT_TASKS, formatPlan, make, RewardScorer, sokobanEnvOf, solveSokoban } from '../../index.js';

const CLI = join(__dirname, '../../dist/cli/main.js');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lmm-export-'));
  dirs.push(d);
  return d;
};
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('export', () => {
  it('lmm-r1: message with a file:// image part, answer = a label the reward endpoint scores', async () => {
    const out = tmp();
    const s = await exportDataset({ format: 'lmm-r1', spec: { ...EXPORT_TASKS.sokoban }, count: 3, seed: 40, out });
    expect(s).toMatchObject({ rows: 3, images: 3 });
    const rows = readFileSync(join(out, 'data.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3);
    const messages = JSON.parse(rows[1].message);
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    const [image, text] = messages[1].content;
    expect(image.type).toBe('image');
    expect(image.image.startsWith('file:///')).toBe(true);
    expect(text.type).toBe('text');
    expect(text.text).toMatch(/Give the whole plan/);
    const frame = await decodePng(readFileSync(fileURLToPath(image.image)));
    expect([frame.width, frame.height]).toEqual([96, 96]);
    const label = JSON.parse(rows[1].answer);
    expect(label).toMatchObject({ env: 'Sokoban-v0', seed: 41, interaction: 'plan' });
    // The label's level is the one in the image: its optimal plan scores 1.5.
    const env = make('Sokoban-v0');
    env.reset({ seed: 41 });
    const plan = formatPlan(solveSokoban(sokobanEnvOf(env).initialLevel()).actions);
    expect(new RewardScorer().score({ query: [`<think>x</think><answer>${plan}</answer>`], labels: [rows[1].answer] }).rewards).toEqual([1.5]);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/rows: 3 in data.jsonl; images: 3 PNG/);
    expect(readme).toMatch(/--input_key message --label_key answer/);
  });

  it('is deterministic per seed (same files), and another seed gives other levels', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    const spec = { ...EXPORT_TASKS.sokoban, options: { width: 7, height: 7, boxes: 2 } };
    await exportDataset({ format: 'lmm-r1', spec, count: 2, seed: 5, out: a });
    await exportDataset({ format: 'lmm-r1', spec, count: 2, seed: 5, out: b });
    await exportDataset({ format: 'lmm-r1', spec, count: 2, seed: 6, out: c });
    const data = (d: string) => readFileSync(join(d, 'data.jsonl'), 'utf8').split(d).join('<dir>');
    expect(data(a)).toBe(data(b));
    for (const f of readdirSync(join(a, 'images'))) expect(readFileSync(join(a, 'images', f)).equals(readFileSync(join(b, 'images', f)))).toBe(true);
    expect(readFileSync(join(a, 'images', 'Sokoban-v0-6.png')).equals(readFileSync(join(c, 'images', 'Sokoban-v0-6.png')))).toBe(true);
    expect(readFileSync(join(a, 'images', 'Sokoban-v0-5.png')).equals(readFileSync(join(a, 'images', 'Sokoban-v0-6.png')))).toBe(false);
  });

  it('verl: prompt, data_source, reward_model.ground_truth, extra_info; text tasks carry no images', async () => {
    const out = tmp();
    await exportDataset({ format: 'verl', spec: { ...EXPORT_TASKS.countdown }, count: 2, seed: 0, out });
    const row = JSON.parse(readFileSync(join(out, 'data.jsonl'), 'utf8').split('\n')[0]!);
    expect(row.data_source).toBe('lmm_gym/Countdown-v0');
    expect(row.prompt[1].content).toMatch(/Countdown/);
    expect(row.prompt[1].content).not.toContain('<image>');
    expect(row.images).toBeUndefined();
    expect(JSON.parse(row.reward_model.ground_truth)).toMatchObject({ env: 'Countdown-v0', seed: 0 });
    expect(row.extra_info.interaction_kwargs).toMatchObject({ name: 'lmm_gym', env: 'Countdown-v0', seed: 0 });
  });

  it('the CLI writes a Football drill set (single-turn plan) that a good plan solves', () => {
    const out = tmp();
    const r = spawnSync(process.execPath, [CLI, 'export', '--format', 'verl', '--task', 'football', '--count', '2', '--seed', '3', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = readFileSync(join(out, 'data.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows[0].prompt[1].content.startsWith('<image>\n')).toBe(true);
    expect(rows[0].images).toHaveLength(1);
    const plan = ['right', 'right', 'right', 'right', 'right', 'right', 'shot', ...Array(20).fill('idle')].join(', ');
    const scored = new RewardScorer().score({ query: [`<think>x</think><answer>${plan}</answer>`, '<think>x</think><answer>left</answer>'], labels: [rows[0].reward_model.ground_truth, rows[1].reward_model.ground_truth] });
    expect(scored.rewards).toEqual([1.5, 0.5]);
    const bad = spawnSync(process.execPath, [CLI, 'export', '--format', 'csv', '--out', out], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--format must be one of lmm-r1, verl/);
  });
});
