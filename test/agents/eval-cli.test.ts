import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { readReplay, verifyReplay } from '../../replays/index.js';

const run = promisify(execFile);
const CLI = join(__dirname, '../../dist/cli/main.js');

describe('lmm-gym eval', () => {
  it('checks --out before running any episode: a folder is a one-line error, and an unknown agent option is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-eval-'));
    // 100000 episodes would take very long: the error must come before them.
    const r = await run('node', [CLI, 'eval', '--env', 'FrozenLake-v0', '--agent', 'random', '--episodes', '100000', '--out', dir]).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`OutputPathError: cannot write ${dir}: it is a folder`);
    expect(readdirSync(dir)).toEqual([]);
    const o = await run('node', [CLI, 'eval', '--env', 'FrozenLake-v0', '--agent', 'oracle', '--agent-option', 'styel=compact']).catch((e) => e);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('unknown setting "styel" for agent kind "oracle"; valid settings: style');
  });

  it('writes a JSON report and replays that re-simulate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-eval-'));
    const out = join(dir, 'report.json');
    const { stdout, stderr } = await run('node', [CLI, 'eval', '--env', 'Sokoban-v0', '--agent', 'oracle', '--episodes', '3', '--seed', '4', '--interaction', 'plan', '--out', out, '--replays', join(dir, 'replays')]);
    expect(stdout).toMatch(/success\s+100\.0%/);
    expect(stdout).toMatch(/magebench-sokoban\s+100\.00/);
    expect(stderr).toMatch(/3\/3/);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report).toMatchObject({ envId: 'Sokoban-v0', agent: 'oracle', episodes: 3, seed: 4, successRate: 1, interaction: 'plan' });
    expect(report.perEpisode).toHaveLength(3);
    const files = readdirSync(join(dir, 'replays')).sort();
    expect(files).toHaveLength(3);
    const replay = readReplay(join(dir, 'replays', files[0]!));
    expect(replay.header.seed).toBe(4);
    expect(replay.turns[0]!.response).toMatch(/<answer>/);
    const sim = verifyReplay(replay);
    expect(sim).toMatchObject({ ok: true, steps: replay.steps.length });
    expect(sim.steps).toBeGreaterThan(0);
  });

  it('fails clearly on a bad agent spec or a missing flag', async () => {
    const e = await run('node', [CLI, 'eval', '--env', 'FrozenLake-v0', '--agent', 'nope']).catch((x) => x);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/unknown agent kind "nope"/);
    const e2 = await run('node', [CLI, 'eval', '--agent', 'random']).catch((x) => x);
    expect(e2.stderr).toMatch(/--env is required/);
  });
});
