import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../index.js';

// The real binary, built by the global setup.
const CLI = join(__dirname, '../../dist/cli/main.js');
const run = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000 });

describe('lmm-gym command', () => {
  it('lists envs', () => {
    const out = execFileSync(process.execPath, [CLI, 'envs'], { encoding: 'utf8' });
    expect(out).toMatch(/^FrozenLake-v0\s+FrozenLake grid/m);
    const json = JSON.parse(run(['envs', '--json']).stdout) as { id: string }[];
    expect(json.map((e) => e.id)).toContain('FrozenLake-v0');
  });

  it('plays an env from typed action names, numbers and wasd', () => {
    const r = run(['play', 'FrozenLake-v0', '--seed', '0', '--option', 'slippery=false'], 'down\n1\nd\nd\ns\nright\nq\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('right: episode over after 6 steps, solved, return 1.00');
  });

  it('explains unknown actions and bad options', () => {
    const r = run(['play', 'FrozenLake-v0'], 'jump\nq\n');
    expect(r.stdout).toContain('unknown action "jump"; actions: 0=left, 1=down, 2=right, 3=up');
    const bad = run(['play', 'FrozenLake-v0', '--option', 'mapp=4x4']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unknown option "mapp".*valid options/);
    const cmd = run(['nope']);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toContain('unknown command "nope"');
  });

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = run([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
    expect(run(['--help']).stdout).toContain('lmm-gym --version');
  });

  it('suggests the closest flag or command for a typo', () => {
    const flag = run(['eval', '--env', 'FrozenLake-v0', '--agent', 'random', '--epsiodes', '3']);
    expect(flag.status).toBe(1);
    expect(flag.stderr).toContain('unknown flag --epsiodes; did you mean --episodes?');
    const none = run(['envs', '--zzzz']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('unknown flag --zzzz; flags: --json, --help');
    const cmd = run(['evl']);
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toContain('unknown command "evl"; did you mean "eval"?');
  });

  it('--import registers a third-party env for every command that takes an env', () => {
    const mod = join(__dirname, '../../dist/docs/examples/coin-collector.js');
    const ev = run(['eval', '--env', 'CoinCollector-v0', '--agent', 'random', '--episodes', '2', '--quiet', '--import', mod]);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toContain('CoinCollector-v0 · random');
    const play = run(['play', 'CoinCollector-v0', '--import', mod], 'right\nq\n');
    expect(play.status, play.stderr).toBe(0);
    expect(play.stdout).toMatch(/^Corridor: /m);
    const out = mkdtempSync(join(tmpdir(), 'lmm-import-'));
    const demo = run(['demo', '--env', 'CoinCollector-v0', '--steps', '2', '--out', join(out, 'demo'), '--import', mod]);
    expect(demo.status, demo.stderr).toBe(0);
    const exp = run(['export', '--format', 'verl', '--env', 'CoinCollector-v0', '--count', '2', '--out', join(out, 'export'), '--import', mod]);
    expect(exp.status, exp.stderr).toBe(0);
    for (const cmd of ['play', 'demo', 'eval', 'export', 'serve', 'replay', 'train']) expect(run([cmd, '--help']).stdout, cmd).toContain('--import MODULE');
    const missing = run(['eval', '--env', 'CoinCollector-v0', '--agent', 'random', '--import', './nope.js']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('--import ./nope.js: cannot find the module');
  }, 180_000); // twelve CLI processes

  it('a flag value the library would refuse is refused by the command, naming the flag', () => {
    const cases: [string[], string][] = [
      [['eval', '--env', 'FrozenLake-v0', '--agent', 'random', '--max-actions', '0'], '--max-actions must be a positive integer, got "0"'],
      [['eval', '--env', 'FrozenLake-v0', '--agent', 'random', '--max-turns', '0'], '--max-turns must be a positive integer, got "0"'],
      [['export', '--format', 'verl', '--env', 'FrozenLake-v0', '--count', '0', '--out', join(tmpdir(), 'lmm-no-export')], '--count must be a positive integer, got "0"'],
      [['replay', join(tmpdir(), 'lmm-no-such-replay.jsonl'), '--gif', join(tmpdir(), 'lmm-no.gif'), '--delay', '5'], '--delay must be an integer >= 10, got "5"'],
      [['replay', join(tmpdir(), 'lmm-no-such-replay.jsonl'), '--gif', join(tmpdir(), 'lmm-no.gif'), '--delay', '70000'], '--delay must be at most 65535 (ms), got 70000'],
      [['watch', 'FrozenLake-v0', '--episodes', '0'], '--episodes must be a positive integer, got "0"'],
      [['watch', 'FrozenLake-v0', '--max-actions', 'x'], '--max-actions must be a positive integer, got "x"'],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/(?<![-\w])(maxActions|maxTurns|count|GIF delay) must/);
    }
  }, 120_000);

  it('train --import registers the third-party env a config trains on', () => {
    const mod = join(__dirname, '../../dist/docs/examples/coin-collector.js');
    const dir = mkdtempSync(join(tmpdir(), 'lmm-train-import-'));
    const config = join(dir, 'coin.json');
    writeFileSync(config, JSON.stringify({
      name: 'coin', seed: 1, model: { preset: 'tiny' }, sampling: { temperature: 1, maxTokens: 6 },
      stages: [{ type: 'fre', envs: [{ id: 'CoinCollector-v0', options: { length: 4 }, maxTurns: 2 }], groupSize: 2, batch: 1, lr: 0.001, steps: 1, eval: { episodes: 1 } }],
    }));
    const without = run(['train', '--config', config, '--out', join(dir, 'a'), '--quiet', '--no-plots']);
    expect(without.status).toBe(1);
    expect(without.stderr).toContain('stages[0].envs[0].id: unknown env id "CoinCollector-v0"');
    const r = run(['train', '--config', config, '--out', join(dir, 'b'), '--quiet', '--no-plots', '--import', mod]);
    expect(r.status, r.stderr).toBe(0);
    const records = readFileSync(join(dir, 'b', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number });
    expect(records.filter((x) => x.kind === 'train').map((x) => x.step)).toEqual([1]);
    expect(r.stderr).toContain('eval @1 CoinCollector-v0/text/step');
  }, 120_000);

  it('demo writes decodable PNG frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmm-demo-'));
    const r = run(['demo', '--out', dir, '--steps', '5', '--seed', '2']);
    expect(r.status).toBe(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(files).toContain('contact-sheet.png');
    expect(files.length).toBeGreaterThanOrEqual(3);
    const { readFile } = await import('node:fs/promises');
    const frame = await decodePng(await readFile(join(dir, 'frame-000.png')));
    expect([frame.width, frame.height]).toEqual([64, 64]);
  });
});
