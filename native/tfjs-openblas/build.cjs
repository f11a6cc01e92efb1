// `npm install` / `npm rebuild` entry: builds the addon with node-gyp. Uses the headers
// that ship next to the running node (official tarballs and distro packages have
// <prefix>/include/node) so the build needs no network. The addon is optional: on failure
// this prints one line saying how to get the fast path and exits 0, so install goes on
// and lmm-gym runs the pure-JS TensorFlow.js kernels.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

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
if (res.status === 0) process.exit(0);

const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
const missingBlas = /cblas\.h|lopenblas/.test(out);
const why = res.error ? res.error.message : missingBlas ? 'OpenBLAS not found' : 'node-gyp build failed';
console.warn(
  `[@lmm-gym/tfjs-openblas] native kernels not built (${why}); lmm-gym will use the pure-JS ` +
    'TensorFlow.js kernels. Fast path: apt-get install libopenblas-dev g++ make python3, then ' +
    'npm rebuild @lmm-gym/tfjs-openblas (LMM_GYM_NATIVE_VERBOSE=1 shows the build log).',
);
process.exit(0);
