// Sokoban: rules, generated and Boxoban levels, optimal solver, plan scoring, views.
// Names are explicit (and Sokoban-prefixed where generic) so they cannot clash with
// other areas in the root index.
export {
  CELL as SOKOBAN_CELL, BOXOBAN_CHARS, SokobanParseError, InvalidLevelError,
  levelProblem, assertLevel, levelPlayer, levelBoxes, levelTargets, levelSolved, cloneLevel, levelFromParts,
  levelRows, formatLevel, parseLevel, parseBoxoban, formatBoxoban,
  type SokobanLevel, type CellCode as SokobanCellCode,
} from './level.js';
export { sokobanLevelKey, SokobanLevelSet } from './held-out.js';
export { SOKOBAN_ACTIONS, REWARD_TENTHS as SOKOBAN_REWARD_TENTHS, SokobanGame, type SokobanActionName } from './game.js';
export { solveSokoban, type SolveBudget, type SolveResult, type SolveStatus } from './solver.js';
export {
  generateLevel, generateLevels, generateOptionsProblem, defaultMinFloor, SokobanGenerationError, GENERATOR_LIMITS as SOKOBAN_GENERATOR_LIMITS,
  type GenerateOptions,
} from './generator.js';
export { describeSokoban, TEXT_CHARS as SOKOBAN_TEXT_CHARS, TEXT_LEGEND as SOKOBAN_TEXT_LEGEND, type DescribeExtras } from './describe.js';
export { SokobanRenderer, SOKOBAN_SPRITES } from './render.js';
export { parsePlan, replayPlan, formatPlan, PlanScoreError, MAGEBENCH_MAX_ACTIONS, type ParsedPlan, type PlanOptions, type PlanResult } from './plan.js';
export { BUNDLED_LEVELS as SOKOBAN_BUNDLED_LEVELS, bundledPath as sokobanBundledPath, loadBoxobanFile, readLevelFile as readBoxobanFile } from './files.js';
export {
  SokobanEnv, sokobanEnvOf, GeneratedLevels as SokobanGeneratedLevels, LevelList as SokobanLevelList, padLevel as padSokobanLevel,
  makeSokobanEnv, makeBoxobanEnv, SOKOBAN_DEFAULTS, BOXOBAN_DEFAULTS, SOKOBAN_REWARDS,
  type SokobanReward,
  type LevelSource as SokobanLevelSource, type SokobanEnvOptions, type SokobanOptions, type BoxobanOptions,
} from './sokoban.js';
