// The npm tarball, end to end (issue 14), through scripts/pack-e2e.mjs --deps link: `npm pack`,
// then `npm install` of the tarball offline into a temporary ES module project and a temporary
// CommonJS project, whose package.json declare lmm-gym's runtime dependencies as links to this
// checkout's node_modules (a full install from npm's cache compiles canvas from source: that
// is `--deps cache`, run by .ci/run, not here). Links' install scripts would run inside this
// checkout's node_modules, so npm installs with --ignore-scripts and lmm-gym's own install
// script (the native addon's build) runs through `npm rebuild lmm-gym`; in the CJS project
// with a C compiler that fails like a missing cblas.h. This test checks what the script
// observed against this checkout: same trajectories, same PNG bytes, the addon built and used
// exactly where this checkout's is built, the fallback's messages.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { make, savePng } from '../../envs/index.js';

const ROOT = join(__dirname, '..', '..');

interface Png { width: number; height: number; bytes: number; sha256: string }
interface Project {
  install: { status: number; output: string };
  rebuild?: { status: number; output: string };
  optionalAddonLink: string | null;
  addonBuilt: boolean;
  addonMarker: { ok: boolean; why: string } | null;
  typecheck: { status: number; output: string };
  run: { status: number; stderr: string };
  result?: {
    module: string; observationBytes: number; sokobanRewards: number[]; sokobanText: string; footballSteps: number;
    footballReward: number; frames: { sokoban: number[]; football: number[] }; requireSameModule?: boolean | null;
  };
  png?: { sokoban: Png | null; football: Png | null };
  native: { status: number; stderr: string; nativeKernels?: boolean; backendLine?: string; addons?: string[]; model?: { dModel: number; nLayers: number; vocabSize: number } };
  binVersion?: string;
}
interface Report { work: string; tarball: { file: string }; projects: { esm: Project; cjs: Project }; repoAddonBuilt: boolean; failures: string[] }

let report: Report;
let status: number | null = null;
let stderr = '';
// What this checkout's own sources do with the consumer script's steps.
const expected = { sokobanRewards: [] as number[], sokobanText: '', footballSteps: 0, footballReward: 0, observationBytes: 0, png: {} as Record<string, string>, frames: {} as Record<string, number[]> };
let dir = '';

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the packed tarball installed into ESM and CommonJS projects', () => {
  beforeAll(async () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'pack-e2e.mjs'), '--deps', 'link', '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    status = r.status;
    stderr = r.stderr;
    report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Report;

    dir = mkdtempSync(join(tmpdir(), 'lmm-tarball-expected-'));
    const sokoban = make('Sokoban-v0', { width: 6, height: 6, boxes: 1 });
    expected.observationBytes = sokoban.reset({ seed: 3 }).observation.length;
    for (const action of [0, 1, 2, 3, 3, 2]) {
      const s = sokoban.step(action);
      expected.sokobanRewards.push(s.reward);
      if (s.terminated || s.truncated) break;
    }
    const football = make('Football-v0');
    football.reset({ seed: 5 });
    for (; expected.footballSteps < 25; expected.footballSteps++) {
      const s = football.step(expected.footballSteps % 9);
      expected.footballReward += s.reward;
      if (s.terminated || s.truncated) break;
    }
    expected.sokobanText = sokoban.describe();
    for (const [name, env] of [['sokoban', sokoban], ['football', football]] as const) {
      const frame = env.render();
      expected.frames[name] = [frame.width, frame.height];
      await savePng(frame, join(dir, `${name}.png`));
      expected.png[name] = sha256(join(dir, `${name}.png`));
    }
  }, 900_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the script passes its own checks', () => {
    expect(report.failures, stderr.slice(-3000)).toEqual([]);
    expect(status, stderr.slice(-3000)).toBe(0);
  });

  for (const kind of ['esm', 'cjs'] as const) {
    it(`${kind}: installs, type-checks with skipLibCheck false, and steps Sokoban and Football as this checkout does`, () => {
      const p = report.projects[kind];
      expect(p.install.status, p.install.output).toBe(0);
      expect(p.typecheck, p.typecheck.output).toEqual({ status: 0, output: '' });
      expect(p.run.status, p.run.stderr).toBe(0);
      expect(p.result).toMatchObject({
        module: kind,
        observationBytes: expected.observationBytes,
        sokobanRewards: expected.sokobanRewards,
        sokobanText: expected.sokobanText,
        footballSteps: expected.footballSteps,
        footballReward: expected.footballReward,
        frames: expected.frames,
      });
      for (const name of ['sokoban', 'football'] as const) {
        const png = p.png![name]!;
        expect([png.width, png.height]).toEqual(expected.frames[name]);
        expect(png.sha256, `${kind} out/${name}.png`).toBe(expected.png[name]);
      }
      // The optional dependency is linked to the package's own native folder, never dangling.
      expect(p.optionalAddonLink).toBe(join(realRoot(kind), 'node_modules', 'lmm-gym', 'native', 'tfjs-openblas'));
      // A shipped checkpoint loads from the installed package.
      const manifest = JSON.parse(readFileSync(join(ROOT, 'checkpoints/sokoban-agent/model.json'), 'utf8')) as { config: { dModel: number; nLayers: number; vocabSize: number } };
      expect(p.native.status, p.native.stderr).toBe(0);
      expect(p.native.model).toEqual({ dModel: manifest.config.dModel, nLayers: manifest.config.nLayers, vocabSize: manifest.config.vocabSize });
    });
  }

  it('esm: lmm-gym\'s install script builds the addon wherever this checkout\'s is built, and the model uses that file', () => {
    const p = report.projects.esm;
    expect(p.rebuild!.status, p.rebuild!.output).toBe(0);
    expect(p.rebuild!.output).toContain('node native/tfjs-openblas/build.cjs');
    expect(p.addonBuilt).toBe(report.repoAddonBuilt);
    expect(p.native.nativeKernels).toBe(report.repoAddonBuilt);
    if (report.repoAddonBuilt) {
      expect(p.addonMarker).toEqual({ ok: true, why: '' });
      expect(p.native.addons).toEqual([join(realRoot('esm'), 'node_modules/lmm-gym/native/tfjs-openblas/build/Release/tfjs_openblas.node')]);
      expect(p.native.backendLine).toMatch(/native kernels on/);
    }
    expect(p.binVersion).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('cjs: without OpenBLAS headers the build warns, exits 0, and lmm-gym runs the pure-JS kernels, saying how to get the fast ones', () => {
    const p = report.projects.cjs;
    expect(p.rebuild!.status, p.rebuild!.output).toBe(0);
    expect(p.rebuild!.output).toMatch(/native kernels not built \(OpenBLAS not found\); lmm-gym will use the pure-JS/);
    expect(p.addonBuilt).toBe(false);
    expect(p.addonMarker).toEqual({ ok: false, why: 'OpenBLAS not found' });
    expect(p.native.nativeKernels).toBe(false);
    expect(p.native.addons).toEqual([]);
    expect(p.native.backendLine).toMatch(/native kernels off/);
    expect(p.native.backendLine).toMatch(/npm rebuild @lmm-gym\/tfjs-openblas/);
    // Where Node can require() ES modules, require() gives the module that import() gives.
    const canRequire = (process.features as { require_module?: boolean }).require_module === true;
    expect(p.result!.requireSameModule).toBe(canRequire ? true : null);
  });
});

/** The temporary project's folder (the script's working folder, real path). */
function realRoot(kind: 'esm' | 'cjs'): string {
  return join(report.work, kind);
}
