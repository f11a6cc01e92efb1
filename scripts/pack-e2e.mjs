#!/usr/bin/env node
// The npm tarball, end to end (issue 14): `npm pack`, then install the tarball offline into a
// temporary ES module project and a temporary CommonJS project, type-check a consumer script
// against the installed declarations (strict, exactOptionalPropertyTypes, skipLibCheck:
// false), run it (it steps Sokoban and Football and saves PNGs), check the bin, load a
// shipped checkpoint, and check the native kernels: built at install in the ESM project;
// in the CJS project the addon's build is re-run with a C compiler that fails the way a
// missing cblas.h does, and lmm-gym must still run (pure-JS kernels).
//
//   node scripts/pack-e2e.mjs [--deps link|cache] [--keep] [--json]
//
// --deps cache  every dependency is installed by npm from its cache (`npm ci --offline`, all
//               install scripts run). The cache holds package tarballs but not the registry's
//               metadata, so version ranges cannot be resolved offline: each project gets a
//               package-lock.json that pins lmm-gym's dependency tree to this repository's
//               (the versions it is tested with; a user's fresh install may resolve newer
//               ones). canvas has no prebuilt binary offline and compiles from source
//               (minutes); @tensorflow/tfjs-node* run their libtensorflow download (without
//               a network it fails and npm drops them, as any optional dependency that
//               cannot install; the checks ask for the cpu backend either way). Run by
//               .ci/run; here it took 1.6 CPU-minutes (15 min wall under other load).
// --deps link   (default; what test/package/tarball.test.ts runs) the tarball's dependencies
//               are satisfied by links to this checkout's node_modules, declared in each
//               temporary project; npm resolves lmm-gym's own dependencies against them.
//               Links' install scripts would run inside this checkout's node_modules, so the
//               install runs with --ignore-scripts and lmm-gym's own install script then
//               runs through `npm rebuild lmm-gym` (the same lifecycle script, as npm runs it).
//               Not covered: fetching and building the dependencies themselves.
//
// Needs dist/ (npm run build) and no network. Prints a human log on stderr and, with
// --json, the report (every observation the checks used) as one JSON line on stdout.
// Exits 1 when a check failed, listing the failures.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    deps: { type: 'string', default: 'link' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
if (flags.deps !== 'link' && flags.deps !== 'cache') {
  console.error(`pack-e2e: --deps must be link or cache, got ${flags.deps}`);
  process.exit(2);
}
const LINK = flags.deps === 'link';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const log = (line) => console.error(`[pack-e2e] ${line}`);
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  return ok;
};

function sh(cmd, args, options = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options, env: { ...process.env, ...options.env } });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', output, seconds: (Date.now() - started) / 1000 };
}
const npm = (args, cwd, env = {}) =>
  sh('npm', [...args, '--no-audit', '--no-fund', '--offline', '--loglevel=warn'], { cwd, env: { npm_config_update_notifier: 'false', ...env } });
const tail = (s, n = 4000) => (s.length > n ? `...${s.slice(-n)}` : s);

/** Width, height, size and hash of a PNG file, or null when it is not a PNG. */
function pngSize(file) {
  if (!existsSync(file)) return null;
  const b = readFileSync(file);
  if (b.length < 24 || b.toString('latin1', 1, 4) !== 'PNG' || b.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}

// The consumer script: the same code for both projects; `envs` is the module object, from
// a static import (ESM) or from `await import()` (CJS, the documented way; Node that can
// require() ES modules also gets it from require(), checked to be the same module).
const STEPS = `
  const sokoban = envs.make('Sokoban-v0', { width: 6, height: 6, boxes: 1 });
  const first: Uint8Array = sokoban.reset({ seed: 3 }).observation;
  const sokobanRewards: number[] = [];
  for (const action of [0, 1, 2, 3, 3, 2]) {
    const s = sokoban.step(action);
    sokobanRewards.push(s.reward);
    if (s.terminated || s.truncated) break;
  }
  if (sokobanRewards.length < 0) {
    // @ts-expect-error: Sokoban's actions are numbers (make() is typed by the registry)
    sokoban.step('up');
  }
  const football = envs.make('Football-v0');
  football.reset({ seed: 5 });
  let footballReward = 0;
  let footballSteps = 0;
  for (; footballSteps < 25; footballSteps++) {
    const s = football.step(footballSteps % 9);
    footballReward += s.reward;
    if (s.terminated || s.truncated) break;
  }
  const sokobanFrame = sokoban.render();
  const footballFrame = football.render();
  await envs.savePng(sokobanFrame, 'out/sokoban.png');
  await envs.savePng(footballFrame, 'out/football.png');
  const result = {
    observationBytes: first.length,
    sokobanRewards,
    sokobanText: sokoban.describe(),
    footballSteps,
    footballReward,
    frames: { sokoban: [sokobanFrame.width, sokobanFrame.height], football: [footballFrame.width, footballFrame.height] },
  };`;

const ESM_APP = `import * as envs from 'lmm-gym/envs';
import { mkdirSync } from 'node:fs';

mkdirSync('out', { recursive: true });
${STEPS}
console.log(JSON.stringify({ ...result, module: 'esm' }));
`;

const CJS_APP = `import { mkdirSync } from 'node:fs';

async function main(): Promise<void> {
  mkdirSync('out', { recursive: true });
  const envs = await import('lmm-gym/envs');
  ${STEPS}
  const canRequire = (process.features as { require_module?: boolean }).require_module === true;
  const required: typeof envs | null = canRequire ? require('lmm-gym/envs') : null;
  console.log(JSON.stringify({ ...result, module: 'cjs', requireSameModule: required ? required.make === envs.make : null }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
`;

// Loads the model side (TensorFlow.js): the backend line says whether the native kernels
// are on; the loaded .node files show which addon file it is; a shipped checkpoint loads.
const NATIVE = (esm) => `${esm ? "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n" : ''}
${esm ? '' : '(async () => {'}
const agents = await import('lmm-gym/agents');
const lines = [];
const info = await agents.initBackend({ backend: 'cpu', log: (l) => lines.push(l) });
const dir = require('node:path').join(require('node:path').dirname(require.resolve('lmm-gym/package.json')), 'checkpoints', 'sokoban-agent');
const model = await agents.loadModel(dir, { trainable: false });
const addons = Object.keys(require.cache).filter((k) => k.endsWith('tfjs_openblas.node'));
console.log(JSON.stringify({ nativeKernels: info.nativeKernels, backendLine: lines.join('\\n'), addons, model: { dModel: model.config.dModel, nLayers: model.config.nLayers, vocabSize: model.config.vocabSize } }));
${esm ? '' : '})().catch((e) => { console.error(e); process.exit(1); });'}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'build',
  },
  files: ['app.ts'],
};

// Fails like gcc without OpenBLAS's headers (the message build.cjs recognises).
const NO_CBLAS_CC = `#!/bin/sh
echo "../src/gemm.c:4:10: fatal error: cblas.h: No such file or directory" >&2
exit 1
`;

/**
 * A package-lock.json for a project that depends on the tarball only (plus @types/node as a
 * dev dependency): lmm-gym's entry is this repository's root entry, every other entry is this
 * repository's, less its dev-only packages (but for @types/node's own closure).
 */
function consumerLock(name, tarballSpec) {
  const repo = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages;
  const { name: _n, devDependencies, ...self } = repo[''];
  const keep = new Set();
  const visit = (key) => {
    if (keep.has(key) || !repo[key]) return;
    keep.add(key);
    for (const dep of Object.keys({ ...repo[key].dependencies, ...repo[key].optionalDependencies })) {
      // Node's lookup: the nearest node_modules/<dep> at or above this entry.
      let base = key;
      for (;;) {
        const candidate = `${base}/node_modules/${dep}`;
        if (repo[candidate]) { visit(candidate); break; }
        const i = base.lastIndexOf('/node_modules/');
        if (i < 0) { visit(`node_modules/${dep}`); break; }
        base = base.slice(0, i);
      }
    }
  };
  visit('node_modules/@types/node');
  const packages = {
    '': { name, version: '1.0.0', dependencies: { 'lmm-gym': tarballSpec }, devDependencies: { '@types/node': devDependencies['@types/node'] } },
    'node_modules/lmm-gym': { ...self, resolved: tarballSpec },
    'node_modules/lmm-gym/native/tfjs-openblas': repo['native/tfjs-openblas'],
    'node_modules/@lmm-gym/tfjs-openblas': { resolved: 'node_modules/lmm-gym/native/tfjs-openblas', link: true },
  };
  for (const [key, entry] of Object.entries(repo)) {
    if (!key.startsWith('node_modules/') || entry.link || packages[key]) continue;
    if (!entry.dev || keep.has(key)) packages[key] = entry;
  }
  return { name, version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const report = { deps: flags.deps, node: process.version, npm: sh('npm', ['--version']).stdout.trim(), tarball: null, projects: {}, failures };

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('pack-e2e: dist/ is missing; run npm run build first');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'lmm-pack-e2e-'));
report.work = realpathSync(work);
log(`working in ${work} (deps: ${flags.deps})`);
try {
  const packed = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
  if (!check(packed.status === 0, `npm pack failed: ${tail(packed.output)}`)) throw new Error('npm pack failed');
  const info = JSON.parse(packed.stdout)[0];
  const tarball = join(work, info.filename);
  report.tarball = { file: info.filename, size: info.size, unpackedSize: info.unpackedSize, entryCount: info.entryCount };
  log(`packed ${info.filename}: ${(info.size / 1e6).toFixed(1)} MB, ${info.entryCount} files`);

  const nm = join(ROOT, 'node_modules');
  const runtimeDeps = Object.keys(pkg.dependencies);
  for (const kind of ['esm', 'cjs']) {
    const dir = join(work, kind);
    const p = (report.projects[kind] = {});
    mkdirSync(dir);
    const manifest = { name: `${kind}-consumer`, version: '1.0.0', private: true, ...(kind === 'esm' ? { type: 'module' } : {}) };
    const tarballSpec = `file:../${info.filename}`;
    if (LINK) {
      manifest.dependencies = Object.fromEntries(runtimeDeps.map((d) => [d, `file:${realpathSync(join(nm, d))}`]));
      manifest.devDependencies = { '@types/node': `file:${realpathSync(join(nm, '@types', 'node'))}` };
    } else {
      const lock = consumerLock(manifest.name, tarballSpec);
      Object.assign(manifest, { dependencies: lock.packages[''].dependencies, devDependencies: lock.packages[''].devDependencies });
      writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    }
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(dir, 'app.ts'), kind === 'esm' ? ESM_APP : CJS_APP);
    writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    writeFileSync(join(dir, kind === 'esm' ? 'native.mjs' : 'native.cjs'), NATIVE(kind === 'esm'));

    log(`${kind}: ${LINK ? 'npm install --ignore-scripts TARBALL (dependencies linked)' : 'npm ci (the tarball and every dependency from the npm cache)'}`);
    const install = LINK ? npm(['install', '--ignore-scripts', tarball], dir) : npm(['ci', '--foreground-scripts'], dir);
    p.install = { status: install.status, seconds: install.seconds, output: tail(install.output) };
    if (!check(install.status === 0, `${kind}: npm install failed: ${tail(install.output, 1500)}`)) continue;
    const installed = join(dir, 'node_modules', 'lmm-gym');
    const link = join(dir, 'node_modules', '@lmm-gym', 'tfjs-openblas');
    p.optionalAddonLink = existsSync(link) ? realpathSync(link) : null;
    check(p.optionalAddonLink === null || p.optionalAddonLink === realpathSync(join(installed, 'native', 'tfjs-openblas')),
      `${kind}: node_modules/@lmm-gym/tfjs-openblas does not resolve into the installed package (${p.optionalAddonLink})`);

    // The addon's build: at install (cache), or lmm-gym's install script through npm rebuild
    // (link); in the CJS project once more with a compiler that cannot find cblas.h.
    if (LINK || kind === 'cjs') {
      let env = {};
      if (kind === 'cjs') {
        writeFileSync(join(work, 'no-cblas-cc'), NO_CBLAS_CC, { mode: 0o755 });
        env = { CC: join(work, 'no-cblas-cc'), CXX: join(work, 'no-cblas-cc') };
      }
      log(`${kind}: npm rebuild lmm-gym${kind === 'cjs' ? ' (CC fails like a missing cblas.h)' : ''}`);
      const rebuild = npm(['rebuild', 'lmm-gym', '--foreground-scripts'], dir, env);
      p.rebuild = { status: rebuild.status, seconds: rebuild.seconds, output: tail(rebuild.output) };
      check(rebuild.status === 0, `${kind}: npm rebuild lmm-gym failed: ${tail(rebuild.output, 1500)}`);
    }
    const addonFile = join(installed, 'native', 'tfjs-openblas', 'build', 'Release', 'tfjs_openblas.node');
    p.addonBuilt = existsSync(addonFile);
    p.addonMarker = existsSync(join(installed, 'native', 'tfjs-openblas', 'build', 'lmm-gym-build.json'))
      ? JSON.parse(readFileSync(join(installed, 'native', 'tfjs-openblas', 'build', 'lmm-gym-build.json'), 'utf8')) : null;

    // Type-check and compile the consumer script against the installed declarations.
    log(`${kind}: tsc (skipLibCheck: false)`);
    const tsc = sh(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir });
    p.typecheck = { status: tsc.status, output: tail(tsc.output) };
    check(tsc.status === 0, `${kind}: the consumer script does not type-check:\n${tail(tsc.output, 1500)}`);

    log(`${kind}: run the consumer script`);
    const run = sh(process.execPath, [join('build', 'app.js')], { cwd: dir });
    p.run = { status: run.status, stderr: tail(run.stderr) };
    if (check(run.status === 0, `${kind}: the consumer script failed: ${tail(run.output, 1500)}`)) {
      p.result = JSON.parse(run.stdout.trim().split('\n').pop());
      p.png = { sokoban: pngSize(join(dir, 'out', 'sokoban.png')), football: pngSize(join(dir, 'out', 'football.png')) };
      for (const env of ['sokoban', 'football']) {
        const [w, h] = p.result.frames[env];
        check(p.png[env] !== null && p.png[env].width === w && p.png[env].height === h, `${kind}: out/${env}.png is not a ${w}x${h} PNG`);
      }
      check(p.result.footballSteps > 0 && p.result.sokobanRewards.length > 0, `${kind}: no steps taken`);
      if (kind === 'cjs') check(p.result.requireSameModule !== false, 'cjs: require() and import() gave different modules');
    }

    log(`${kind}: the model side (backend, native kernels, a shipped checkpoint)`);
    const nat = sh(process.execPath, [kind === 'esm' ? 'native.mjs' : 'native.cjs'], { cwd: dir, env: { LMM_GYM_NATIVE_ADDON: '', LMM_GYM_NATIVE: '', LMM_GYM_BACKEND: '' } });
    p.native = { status: nat.status, stderr: tail(nat.stderr, 2000) };
    if (check(nat.status === 0, `${kind}: the model-side script failed: ${tail(nat.output, 1500)}`)) {
      Object.assign(p.native, JSON.parse(nat.stdout.trim().split('\n').pop()));
    }
    if (kind === 'esm') {
      const bin = sh(join(dir, 'node_modules', '.bin', 'lmm-gym'), ['--version'], { cwd: dir });
      p.binVersion = bin.stdout.trim();
      check(bin.status === 0 && p.binVersion.includes(pkg.version), `esm: node_modules/.bin/lmm-gym --version printed ${JSON.stringify(bin.output)}`);
    }
  }

  // Expectations that need both projects: the ESM project builds the addon wherever this
  // checkout's own addon is built (same machine, same toolchain) and uses that very file;
  // the CJS project's failed build leaves lmm-gym on the pure-JS kernels, saying why.
  const esm = report.projects.esm ?? {};
  const cjs = report.projects.cjs ?? {};
  const repoAddonBuilt = existsSync(join(ROOT, 'native', 'tfjs-openblas', 'build', 'Release', 'tfjs_openblas.node'));
  report.repoAddonBuilt = repoAddonBuilt;
  if (esm.native?.nativeKernels !== undefined) {
    check(esm.addonBuilt === repoAddonBuilt, `esm: addon built at install: ${esm.addonBuilt}, in this checkout: ${repoAddonBuilt}`);
    check(esm.native.nativeKernels === esm.addonBuilt, `esm: native kernels ${esm.native.nativeKernels} but addon built ${esm.addonBuilt}`);
    if (esm.addonBuilt) {
      check(esm.native.addons.length === 1 && esm.native.addons[0] === realpathSync(join(work, 'esm', 'node_modules', 'lmm-gym', 'native', 'tfjs-openblas', 'build', 'Release', 'tfjs_openblas.node')),
        `esm: loaded addon files ${JSON.stringify(esm.native.addons)}, not the one built in the installed package`);
    }
  }
  if (cjs.native?.nativeKernels !== undefined) {
    check(cjs.addonBuilt === false && cjs.addonMarker?.why === 'OpenBLAS not found', `cjs: the failing build left ${JSON.stringify({ built: cjs.addonBuilt, marker: cjs.addonMarker })}`);
    check(/native kernels not built \(OpenBLAS not found\)/.test(cjs.rebuild?.output ?? ''), 'cjs: the failing build printed no warning');
    check(cjs.native.nativeKernels === false && /npm rebuild @lmm-gym\/tfjs-openblas/.test(cjs.native.backendLine), `cjs: backend line ${JSON.stringify(cjs.native.backendLine)}`);
  }
} catch (e) {
  if (!failures.length) failures.push(String(e?.stack ?? e));
} finally {
  if (flags.keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (flags.json) console.log(JSON.stringify(report));
if (failures.length) {
  log(`FAILED (${failures.length}):\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
log('all checks passed');
