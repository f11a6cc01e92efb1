import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { readReplay, verifyReplay } from '../../replays/index.js';
import { createAgent, evaluateAgent } from '../../agents/index.js';

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
    const text = readFileSync(out, 'utf8');
    // Floats without binary noise (10.366666666667, not 10.366666666666667; -0.3, not -0.30000000000000004).
    const noisy = [...text.matchAll(/-?\d+\.\d+/g)].map((m) => m[0]).filter((n) => n.replace(/^-?0*|\./g, '').replace(/^0+/, '').length > 12);
    expect(noisy).toEqual([]);
    const report = JSON.parse(text);
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

  it('--compare pairs the run with an earlier report on the same levels and seeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-eval-'));
    const common = ['eval', '--env', 'Sokoban-v0', '--interaction', 'plan', '--episodes', '12', '--seed', '7', '--levels', 'data/sokoban/test-6x6-1box.txt', '--quiet'];
    await run('node', [CLI, ...common, '--agent', 'random', '--out', join(dir, 'random.json')], { cwd: join(__dirname, '../..') });
    const { stdout } = await run('node', [CLI, ...common, '--agent', 'oracle', '--out', join(dir, 'oracle.json'), '--compare', join(dir, 'random.json')], { cwd: join(__dirname, '../..') });
    const rnd = JSON.parse(readFileSync(join(dir, 'random.json'), 'utf8'));
    const report = JSON.parse(readFileSync(join(dir, 'oracle.json'), 'utf8'));
    const randomWins = rnd.perEpisode.filter((e: { success: boolean }) => e.success).length;
    expect(report.levels).toBe('data/sokoban/test-6x6-1box.txt');
    // The oracle solves all 12; every level the random plan missed is a discordant pair.
    expect(report.paired).toMatchObject({ n: 12, both: randomWins, onlyA: 12 - randomWins, onlyB: 0, neither: 0 });
    expect(report.paired.pValue).toBeCloseTo(Math.min(1, 2 * 0.5 ** (12 - randomWins)), 12);
    expect(stdout).toContain(`paired       vs ${join(dir, 'random.json')} on 12 episodes: 12 vs ${randomWins} won`);
    // Another seed, or another levels file, is refused before any episode runs.
    const bad = await run('node', [CLI, ...common.map((a) => (a === '7' ? '8' : a)), '--agent', 'random', '--compare', join(dir, 'random.json')], { cwd: join(__dirname, '../..') }).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('episode 0 was played with seed 7 there, 8 here');
    // ... and before --out's episode log is started: a refused run loses no earlier records.
    const log = join(dir, 'random.episodes.jsonl');
    const lines = readFileSync(log, 'utf8');
    const refused = await run('node', [CLI, ...common.map((a) => (a === '7' ? '8' : a)), '--agent', 'random', '--out', join(dir, 'random.json'), '--compare', join(dir, 'oracle.json')], { cwd: join(__dirname, '../..') }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(readFileSync(log, 'utf8')).toBe(lines);
    expect(lines.trim().split('\n')).toHaveLength(12);
    const other = await run('node', [CLI, ...common.map((a) => a.replace('test-6x6-1box', 'test-7x7-2box')), '--agent', 'random', '--compare', join(dir, 'random.json')], { cwd: join(__dirname, '../..') }).catch((e) => e);
    expect(other.stderr).toContain('played levels data/sokoban/test-6x6-1box.txt, this run data/sokoban/test-7x7-2box.txt');
  });

  it('fails clearly on a bad agent spec or a missing flag', async () => {
    const e = await run('node', [CLI, 'eval', '--env', 'FrozenLake-v0', '--agent', 'nope']).catch((x) => x);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/unknown agent kind "nope"/);
    const e2 = await run('node', [CLI, 'eval', '--agent', 'random']).catch((x) => x);
    expect(e2.stderr).toMatch(/--env is required/);
  });

  it('logs each episode record as it finishes next to --out (report.episodes.jsonl)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-eval-'));
    const out = join(dir, 'report.json');
    await run('node', [CLI, 'eval', '--env', 'FrozenLake-v0', '--agent', 'random', '--episodes', '4', '--out', out, '--quiet']);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const lines = readFileSync(join(dir, 'report.episodes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.episode).sort()).toEqual([0, 1, 2, 3]);
    expect(lines.sort((a, b) => a.episode - b.episode)).toEqual(report.perEpisode);
    expect(report.partial).toBeUndefined();
  });

  it('Ctrl-C writes a partial report of the finished episodes (exit 130), nothing lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-eval-'));
    const out = join(dir, 'report.json');
    const log = join(dir, 'report.episodes.jsonl');
    const child = spawn('node', [CLI, 'eval', '--env', 'FrozenLake-v0', '--agent', 'random', '--episodes', '1000000', '--out', out, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const lineCount = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0);
    // Bounded wait for a few finished episodes (no timing asserted).
    for (let i = 0; i < 600 && lineCount() < 5; i++) await new Promise((r) => setTimeout(r, 50));
    expect(lineCount()).toBeGreaterThanOrEqual(5);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.partial).toBe(true);
    expect(report.episodes).toBe(lineCount());
    expect(report.perEpisode).toHaveLength(report.episodes);
    expect(report.episodes).toBeLessThan(1_000_000);
  });

  it('evaluateAgent: an aborted signal gives a partial report of the finished episodes', async () => {
    const controller = new AbortController();
    const report = await evaluateAgent({
      envId: 'FrozenLake-v0', agent: await createAgent('random'), episodes: 50, parallel: 1, signal: controller.signal,
      onEpisode: (_r, _s, _e, record) => { if (record.episode === 2) controller.abort(); },
    });
    expect(report).toMatchObject({ partial: true, episodes: 3 });
    expect(report.perEpisode.map((e) => e.episode)).toEqual([0, 1, 2]);
  });
});

