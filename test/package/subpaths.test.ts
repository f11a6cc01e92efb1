// Subpath exports (`lmm-gym/envs`, `lmm-gym/tasks`, `lmm-gym/agents`, `lmm-gym/training`,
// `lmm-gym/replays`), used as a consumer would: a temporary project whose node_modules/lmm-gym
// links to this checkout (dist/ is built by the global setup). Importing the envs, the tasks
// or the replays must not load TensorFlow.js (hundreds of MB, about a second of start-up).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const AREAS = ['envs', 'tasks', 'agents', 'training', 'replays', 'serve'] as const;

// Run in a fresh node: import the subpath, then list the loaded files. TensorFlow.js has
// no `exports` map, so both `import` and `require` load its CommonJS build, which is in
// require.cache.
const PROBE = `
import { createRequire } from 'node:module';
const t0 = performance.now();
const m = await import(process.argv[2]);
const ms = performance.now() - t0;
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ ms, exports: Object.keys(m).length, tensorflow: loaded.filter((p) => p.includes('@tensorflow')) }));
`;

interface Probe { ms: number; exports: number; tensorflow: string[] }

let dir = '';
function probe(specifier: string): Probe {
  const r = spawnSync(process.execPath, [join(dir, 'probe.mjs'), specifier], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr.replace(/\n*=+\nHi, looks like you are running TensorFlow\.js[\s\S]*?=+\n*/g, '')).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Probe;
}

describe('subpath exports', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lmm-subpaths-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'lmm-gym'), 'dir');
    writeFileSync(join(dir, 'probe.mjs'), PROBE);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('package.json maps each area to dist/<area>/index.js with its types (and its CommonJS entry)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const area of AREAS) {
      expect(pkg.exports[`./${area}`]).toEqual({ types: `./dist/${area}/index.d.ts`, import: `./dist/${area}/index.js`, require: `./dist/cjs/${area}.cjs` });
    }
  });

  it('lmm-gym/envs, lmm-gym/tasks, lmm-gym/replays and lmm-gym/serve load without TensorFlow.js', () => {
    for (const area of ['envs', 'tasks', 'replays', 'serve']) {
      const p = probe(`lmm-gym/${area}`);
      expect(p.exports, area).toBeGreaterThan(0);
      expect(p.tensorflow, `lmm-gym/${area} loaded TensorFlow.js`).toEqual([]);
    }
    // The built file itself, by path, as well.
    expect(probe(join(ROOT, 'dist', 'envs', 'index.js')).tensorflow).toEqual([]);
  });

  it('the probe sees TensorFlow.js where it is loaded (lmm-gym/agents)', () => {
    expect(probe('lmm-gym/agents').tensorflow.length).toBeGreaterThan(0);
  });

  it('a consumer type-checks imports from every subpath', () => {
    const lines = [
      "import { make, type Env } from 'lmm-gym/envs';",
      "import { LanguageEnv, formatReward, type AgentObservation } from 'lmm-gym/tasks';",
      "import { RandomAgent, type Agent } from 'lmm-gym/agents';",
      "import { computeAdvantages } from 'lmm-gym/training';",
      "import { ReplayRecorder } from 'lmm-gym/replays';",
      "import { EnvService, type RemoteRewardResponse } from 'lmm-gym/serve';",
      "const env: Env = make('FrozenLake-v0');",
      'const lang = new LanguageEnv(env);',
      'const agent: Agent = new RandomAgent(0);',
      "const r: number = formatReward('<think></think><answer>up</answer>');",
      'export type Obs = AgentObservation;',
      'export type Rewards = RemoteRewardResponse;',
      'export const service = new EnvService();',
      'export { lang, agent, r, computeAdvantages, ReplayRecorder };',
    ];
    writeFileSync(join(dir, 'consumer.ts'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['consumer.ts'],
    }));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
