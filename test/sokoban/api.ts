// What the Sokoban tests use: the Sokoban area, the core and render helpers, and the
// registrations. Imported from the modules (not the root index) so that another
// area's work in progress cannot break these tests.
export * from '../../envs/sokoban/index.js';
export { analyseBoard, isFreezeDeadlock, padIndex } from '../../envs/sokoban/board.js';
export { make, checkEnv } from '../../envs/core/index.js';
export { cloneFrame, framesEqual, type Frame } from '../../envs/render/index.js';
import '../../envs/sokoban/register.js';
