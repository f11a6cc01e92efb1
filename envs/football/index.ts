// Public API of the Football env. Generic constant names are re-exported with a Football
// prefix so the root index stays free of clashes (Action -> FootballAction, ...).
export {
  FOOTBALL_ACTIONS, type FootballActionName, Action as FootballAction, GameMode as FootballGameMode,
  GAME_MODE_NAMES as FOOTBALL_GAME_MODES, type GameModeName as FootballGameModeName, ROLES as FOOTBALL_ROLES,
  type Role as FootballRole, LEFT as FOOTBALL_LEFT, RIGHT as FOOTBALL_RIGHT, PHYS as FOOTBALL_PHYSICS,
  Kick as FootballKick, KICK_NAMES as FOOTBALL_KICK_NAMES, DIRECTION_NAMES as FOOTBALL_DIRECTION_NAMES,
  PITCH_HALF_LENGTH, PITCH_HALF_WIDTH, GOAL_HALF_WIDTH, GOAL_HEIGHT, PENALTY_BOX_DEPTH, PENALTY_BOX_HALF_WIDTH,
  PENALTY_SPOT_DISTANCE, SECONDS_PER_STEP as FOOTBALL_SECONDS_PER_STEP, MAX_PLAYERS_PER_TEAM, RULES as FOOTBALL_RULES,
} from './constants.js';
export { type FootballScenario, type ScenarioPlayer, BUILTIN_SCENARIOS as FOOTBALL_SCENARIOS, registerScenario as registerFootballScenario, getScenario as getFootballScenario, listScenarios as listFootballScenarios, validateScenario as validateFootballScenario } from './scenarios.js';
export { FootballEngine, type EngineConfig as FootballEngineConfig, type StepEvents as FootballStepEvents, type MatchStats as FootballMatchStats } from './engine.js';
export { bestPassTarget as footballBestPassTarget } from './ai.js';
export {
  SIMPLE115_SIZE, SIMPLE115_LAYOUT, simple115Space, simple115GrfSpace, writeSimple115, writeSimple115Grf,
  SMM_HEIGHT, SMM_WIDTH, SMM_PLANES, SMM_SIZE, smmSpace, writeSmm, rawFootballState, type FootballRawState,
} from './observation.js';
export { describeFootball, directionName as footballDirectionName, playerId as footballPlayerId } from './describe.js';
export { FOOTBALL_MODEL_SIZE, FOOTBALL_REPLAY_SIZE, FOOTBALL_COLORS, FootballRenderer, PitchProjection, pitchBackground } from './render.js';
export { REWARD_COMPONENTS as FOOTBALL_REWARD_COMPONENTS, type RewardComponent as FootballRewardComponent, type ShapedComponents as FootballShapedComponents, FootballRewardTracker, parseRewards as parseFootballRewards, shapedSum as footballShapedSum } from './rewards.js';
export * from './football.js';
export { type FootballDecision, scriptedFootballDecision, scriptedFootballAction, directionAction as footballDirectionAction } from './scripted.js';
