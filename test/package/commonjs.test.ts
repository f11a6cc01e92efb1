// CommonJS consumers (issue 14). lmm-gym is an ES module package; each `exports` entry has a
// `require` condition pointing at dist/cjs/<area>.cjs (written by scripts/postbuild.mjs): where
// Node can require() an ES module it hands over the ES module itself, elsewhere it throws an
// error that shows `const m = await import('lmm-gym')`. A temporary CommonJS project (no
// "type" field) whose node_modules/lmm-gym links to this checkout runs each case in a fresh node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

let dir = '';
function runCjs(name: string, source: string, nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  writeFileSync(join(dir, name), source);
  const r = spawnSync(process.execPath, [...nodeArgs, join(dir, name)], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Prints, as JSON, the error that require(specifier) throws (or null when it loads).
const REQUIRE_PROBE = `
const out = {};
for (const specifier of process.argv.slice(2)) {
  try { require(specifier); out[specifier] = null; }
  catch (e) { out[specifier] = { code: e.code, message: e.message }; }
}
console.log(JSON.stringify(out));
`;

describe('CommonJS consumers', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lmm-cjs-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cjs-consumer', private: true }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'lmm-gym'), 'dir');
    writeFileSync(join(dir, 'require-probe.cjs'), REQUIRE_PROBE);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every exports entry has a require condition whose file the build wrote', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const [subpath, entry] of Object.entries(pkg.exports)) {
      if (typeof entry === 'string') continue; // ./package.json
      const { require } = entry as { require?: string };
      expect(require, subpath).toBe(`./dist/cjs/${subpath === '.' ? 'index' : subpath.slice(2)}.cjs`);
      expect(existsSync(join(ROOT, require!)), require).toBe(true);
    }
  });

  it('where Node cannot require() ES modules, require() throws an error that shows the dynamic import', () => {
    const r = spawnSync(process.execPath, ['--no-experimental-require-module', join(dir, 'require-probe.cjs'), 'lmm-gym', 'lmm-gym/envs', 'lmm-gym/training'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const errors = JSON.parse(r.stdout) as Record<string, { code: string; message: string } | null>;
    for (const specifier of ['lmm-gym', 'lmm-gym/envs', 'lmm-gym/training']) {
      const e = errors[specifier];
      expect(e, specifier).not.toBeNull();
      expect(e!.code).toBe('ERR_REQUIRE_ESM');
      expect(e!.message).toContain('ESM-only');
      expect(e!.message).toContain(`const m = await import('${specifier}');`);
      expect(e!.message).not.toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    }
  });

  it('import() from CommonJS loads the package and steps an env', () => {
    const r = runCjs('dynamic-import.cjs', `
(async () => {
  const m = await import('lmm-gym/envs');
  const env = m.make('FrozenLake-v0', { slippery: false });
  env.reset({ seed: 0 });
  const root = await import('lmm-gym');
  console.log(JSON.stringify({ reward: env.step(2).reward, same: root.make === m.make }));
})().catch((e) => { console.error(e); process.exit(1); });
`);
    expect(r.stderr.replace(/\n*=+\nHi, looks like you are running TensorFlow\.js[\s\S]*?=+\n*/g, '')).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ reward: 0, same: true });
  });

  it.runIf(process.features.require_module)('where Node can require() ES modules, require() gives the ES module itself', () => {
    const r = runCjs('require.cjs', `
const m = require('lmm-gym/envs');
const env = m.make('FrozenLake-v0', { slippery: false });
env.reset({ seed: 0 });
import('lmm-gym/envs').then((esm) => console.log(JSON.stringify({ reward: env.step(2).reward, same: esm.make === m.make })));
`);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ reward: 0, same: true });
  });
});
