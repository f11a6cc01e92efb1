// `npm install` / `npm rebuild` entry: builds the addon with node-gyp. Uses the headers
// that ship next to the running node (official tarballs and distro packages have
// <prefix>/include/node) so the build needs no network. The addon is optional: on failure
// this prints one line saying how to get the fast path and exits 0, so install goes on
// and lmm-gym runs the pure-JS TensorFlow.js kernels.
//
// Two install scripts call it: this package's own (in the lmm-gym repository, where
// @lmm-gym/tfjs-openblas is an optional dependency linked to native/tfjs-openblas) and
// lmm-gym's (an installed lmm-gym ships these sources; npm links the optional dependency to
// node_modules/lmm-gym/native/tfjs-openblas but does not run a linked folder's install
// script on a fresh install, so lmm-gym builds it itself). After each attempt the marker
// build/lmm-gym-build.json records the result; an install that finds the marker newer than
// every source does not build again (after a failed attempt it repeats the warning).
// `npm rebuild` and `node build.cjs --force` always build.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const buildDir = path.join(__dirname, 'build');
const marker = path.join(buildDir, 'lmm-gym-build.json');
const addonFile = path.join(buildDir, 'Release', 'tfjs_openblas.node');

function warn(why) {
  console.warn(
    `[@lmm-gym/tfjs-openblas] native kernels not built (${why}); lmm-gym will use the pure-JS ` +
      'TensorFlow.js kernels. Fast path: apt-get install libopenblas-dev g++ make python3, then ' +
      'npm rebuild @lmm-gym/tfjs-openblas (LMM_GYM_NATIVE_VERBOSE=1 shows the build log).',
  );
}

/** Newest modification time (ms) of the files the build reads. */
function sourcesMtime() {
  const src = path.join(__dirname, 'src');
  const files = [path.join(__dirname, 'binding.gyp'), ...fs.readdirSync(src).map((f) => path.join(src, f))];
  return files.reduce((m, f) => Math.max(m, fs.statSync(f).mtimeMs), 0);
}

/** The earlier attempt's result when it is newer than the sources (and its addon still exists). */
function freshAttempt() {
  try {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8'));
    if (fs.statSync(marker).mtimeMs < sourcesMtime()) return null;
    if (m.ok && !fs.existsSync(addonFile)) return null;
    return m;
  } catch {
    return null;
  }
}

const force = process.env.npm_command === 'rebuild' || process.argv.includes('--force');
const earlier = force ? null : freshAttempt();
if (earlier) {
  if (!earlier.ok) warn(`${earlier.why}, in an earlier attempt on these sources`);
  process.exit(0);
}

const prefix = path.dirname(path.dirname(process.execPath));
const args = ['rebuild'];
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

// npm puts its bundled node-gyp on PATH for lifecycle scripts; otherwise look next to npm.
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  const bundled = path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

const [cmd, ...pre] = nodeGyp();
const verbose = process.env.LMM_GYM_NATIVE_VERBOSE === '1';
const res = spawnSync(cmd, [...pre, ...args], { cwd: __dirname, stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
const ok = res.status === 0 && fs.existsSync(addonFile);
const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
const why = ok ? '' : res.error ? res.error.message : /cblas\.h|lopenblas/.test(out) ? 'OpenBLAS not found' : 'node-gyp build failed';
try {
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(marker, `${JSON.stringify({ ok, why })}\n`);
} catch {
  // A read-only package folder: the next install simply tries again.
}
if (!ok) warn(why);
process.exit(0);
