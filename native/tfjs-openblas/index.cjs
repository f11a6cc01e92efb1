'use strict';
// Loads the compiled N-API addon. Throws (with the path tried) when it was not built;
// lmm-gym's agents/model/kernels catches that and falls back to pure JS.
const path = require('node:path');
const fs = require('node:fs');

const candidates = [
  path.join(__dirname, 'build', 'Release', 'tfjs_openblas.node'),
  path.join(__dirname, 'build', 'Debug', 'tfjs_openblas.node'),
];
const found = candidates.find((p) => fs.existsSync(p));
if (!found) {
  throw new Error(`@lmm-gym/tfjs-openblas is not built (looked for ${candidates[0]})`);
}
module.exports = require(found);
