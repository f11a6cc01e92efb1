import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { make, RecordEpisode, type EpisodeRecord } from '../../envs/index.js';
import { saveEpisodeReplay } from '../../replays/index.js';
import { recordFrozenLake, responseFor, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'replay', ...args], { encoding: 'utf8', timeout: 60_000 });

function replayFile(): { dir: string; path: string; steps: number } {
  const dir = tempDir('replay-cli-');
  const ep = recordFrozenLake({ seed: 12, actionSeed: 3, envOptions: { map: '4x4' } });
  const path = join(dir, 'ep.jsonl');
  saveEpisodeReplay(path, ep, { annotations: ep.actions.map((a, t) => ({ response: responseFor(a, t) })) });
  return { dir, path, steps: ep.length };
}

describe('lmm-gym replay (built CLI)', () => {
  it('verifies a replay and writes PNGs, a GIF and an HTML viewer', async () => {
    const { dir, path, steps } = replayFile();
    const v = cli(path);
    expect(v.status).toBe(0);
    expect(v.stdout).toContain(`verified: re-simulation reproduces all ${steps} step rewards`);
    const r = cli(path, '--png', join(dir, 'png'), '--gif', join(dir, 'a.gif'), '--delay', '80', '--html', join(dir, 'a.html'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ steps, png: { files: steps + 1 }, gif: { frames: steps + 1, delay: 80 }, html: { states: steps + 1 } });
    expect(readdirSync(join(dir, 'png'))).toHaveLength(steps + 1);
    const meta = await sharp(readFileSync(join(dir, 'a.gif')), { animated: true }).metadata();
    expect(meta.pages).toBe(steps + 1);
    expect(meta.delay![0]).toBe(80);
    expect(readFileSync(join(dir, 'a.html'), 'utf8')).toContain('id="replay-data"');
  });

  it('exits 1 naming the step when re-simulation differs, and draws it only with --allow-mismatch', () => {
    const { dir, path } = replayFile();
    const lines = readFileSync(path, 'utf8').split('\n');
    const step = JSON.parse(lines[1]!), end = JSON.parse(lines[lines.length - 2]!);
    step.reward += 2; end.totalReward += 2;
    lines[1] = JSON.stringify(step); lines[lines.length - 2] = JSON.stringify(end);
    writeFileSync(path, lines.join('\n'));
    const v = cli(path);
    expect(v.status).toBe(1);
    expect(v.stdout).toMatch(/MISMATCH[\s\S]*step 0 \(line 2\): reward recorded 2, re-simulated 0/);
    const g = cli(path, '--gif', join(dir, 'x.gif'));
    expect(g.status).toBe(1);
    expect(g.stderr).toMatch(/step 0 \(line 2\)/);
    expect(g.stderr).toContain('--allow-mismatch');
    expect(cli(path, '--gif', join(dir, 'x.gif'), '--allow-mismatch').status).toBe(0);
  });

  it('reports a corrupt file with its line number, and bad flags clearly', () => {
    const { dir, path } = replayFile();
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2]!.slice(0, 10);
    writeFileSync(path, lines.join('\n'));
    const r = cli(path);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`ReplayFormatError: ${path}:3: not valid JSON`);
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, lines.slice(0, 2).join('\n') + '\n{"kind":"st');
    expect(cli(cut).stderr).toMatch(/ReplayTruncatedError: .*cut\.jsonl:3: line 3 is cut off/);
    expect(cli(cut).stderr).toContain('(lmm-gym replay --allow-partial)');
    expect(cli(cut, '--allow-partial').status).toBe(0);
    expect(cli(path, '--scale', 'big').stderr).toContain('--scale must be a non-negative integer');
    expect(cli().stderr).toContain('expected one replay FILE');
    expect(cli('--help').status).toBe(0);
  });
  it('prints the return rounded (Sokoban: -0.1 per step sums to float noise)', () => {
    let episode: EpisodeRecord<number> | null = null;
    const env = new RecordEpisode(make('Sokoban-v0', { maxSteps: 3 }), (e) => { episode = e; });
    env.reset({ seed: 4 });
    for (let t = 0; t < 3; t++) env.step(0); // -0.1 per step (no box moved here), truncated after 3
    env.close();
    const rewards = episode!.rewards;
    expect(rewards.reduce((a, r) => a + r, 0)).not.toBe(-0.3); // -0.30000000000000004
    const path = join(tempDir('replay-cli-round-'), 'ep.jsonl');
    saveEpisodeReplay(path, episode!);
    const r = cli(path);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 steps, return -0.3\n');
    expect(JSON.parse(cli(path, '--json').stdout).totalReward).toBe(-0.3);
  });
});
