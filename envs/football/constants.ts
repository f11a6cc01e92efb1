// Football constants: pitch geometry (Google Research Football's normalised coordinates),
// the action set, game modes, roles and the physics figures of the engine.
//
// Units: 1 length unit = 52.5 m (half the pitch length). Velocities are in units per
// step; one step is 0.1 s of game time (10 steps per second, as GRF's default).

/** Pitch half length: goals are on the lines x = -1 and x = +1. */
export const PITCH_HALF_LENGTH = 1;
/** Pitch half width: touch lines at y = -0.42 (top of the screen) and y = +0.42 (bottom). */
export const PITCH_HALF_WIDTH = 0.42;
/** Half width of the goal mouth (posts at y = +-0.044, as in GRF). */
export const GOAL_HALF_WIDTH = 0.044;
/** Crossbar height (2.44 m). A ball above it over the goal line is out, not a goal. */
export const GOAL_HEIGHT = 0.0465;
/** Penalty box: 16.5 m deep, 40.3 m wide. */
export const PENALTY_BOX_DEPTH = 0.314;
export const PENALTY_BOX_HALF_WIDTH = 0.24;
/** Goal area (six-yard box). */
export const GOAL_AREA_DEPTH = 0.105;
export const GOAL_AREA_HALF_WIDTH = 0.1;
/** Penalty spot: 11 m from the goal line. */
export const PENALTY_SPOT_DISTANCE = 0.21;
export const CENTER_CIRCLE_RADIUS = 0.174;

/** Game time per step in seconds. */
export const SECONDS_PER_STEP = 0.1;
/** Most players per team (the simple115 vector has 11 slots per team). */
export const MAX_PLAYERS_PER_TEAM = 11;

/** Google Research Football's default action set, in its order. */
export const FOOTBALL_ACTIONS = [
  'idle', 'left', 'top_left', 'top', 'top_right', 'right', 'bottom_right', 'bottom', 'bottom_left',
  'long_pass', 'high_pass', 'short_pass', 'shot', 'sprint', 'release_direction', 'release_sprint',
  'sliding', 'dribble', 'release_dribble',
] as const;
export type FootballActionName = (typeof FOOTBALL_ACTIONS)[number];

/** Action indices by name (e.g. `Action.shot === 12`). */
export const Action = Object.freeze(Object.fromEntries(FOOTBALL_ACTIONS.map((n, i) => [n, i]))) as Readonly<Record<FootballActionName, number>>;

/**
 * Unit vectors of the 8 direction actions (index = action 1..8; 0 unused). "top" is -y,
 * as on GRF's screen.
 */
const D = Math.SQRT1_2;
export const DIRECTION_X = Float64Array.from([0, -1, -D, 0, D, 1, D, 0, -D]);
export const DIRECTION_Y = Float64Array.from([0, 0, -D, -1, -D, 0, D, 1, D]);
export const DIRECTION_NAMES = ['none', 'left', 'top_left', 'top', 'top_right', 'right', 'bottom_right', 'bottom', 'bottom_left'] as const;

/** Game modes, numbered as GRF's `game_mode` observation. */
export const GameMode = { normal: 0, kickOff: 1, goalKick: 2, freeKick: 3, corner: 4, throwIn: 5, penalty: 6 } as const;
export const GAME_MODE_NAMES = ['normal', 'kick_off', 'goal_kick', 'free_kick', 'corner', 'throw_in', 'penalty'] as const;
export type GameModeName = (typeof GAME_MODE_NAMES)[number];

/** Player roles (GRF's e_PlayerRole_*). */
export const ROLES = ['GK', 'CB', 'LB', 'RB', 'DM', 'CM', 'LM', 'RM', 'AM', 'CF'] as const;
export type Role = (typeof ROLES)[number];

/** Team indices: the agent plays the left team (attacking x = +1). */
export const LEFT = 0;
export const RIGHT = 1;

/** Physics and rules figures (units per step unless noted). */
export const PHYS = {
  runSpeed: 0.009,
  sprintSpeed: 0.0135,
  /** Speed factor while carrying the ball, and while carrying it with the dribble action. */
  carrySpeedFactor: 0.92,
  dribbleSpeedFactor: 0.72,
  /** Fraction of the gap to the target velocity closed each step. */
  acceleration: 0.45,
  staminaSprintCost: 0.004,
  staminaRecovery: 0.0015,
  /** Ball kept this far in front of its carrier. */
  carryDistance: 0.011,
  /** A player takes a loose ball passing within this distance (at low height). */
  controlRadius: 0.016,
  /** Fast balls (above fastBallSpeed) are only taken within this smaller radius. */
  fastControlRadius: 0.01,
  fastBallSpeed: 0.032,
  /** Highest ball an outfield player can control (about 2 m). */
  playerReachHeight: 0.036,
  /** Opponents within this distance of the ball carrier contest the ball. */
  tackleRadius: 0.02,
  slideSpeed: 0.022,
  slideSteps: 4,
  slideRecoverySteps: 6,
  slideReach: 0.026,
  /** Ball friction: speed factor per step on the ground and in the air. */
  groundFriction: 0.955,
  airDrag: 0.992,
  stopSpeed: 0.0004,
  gravity: 0.0019,
  bounce: 0.45,
  /** Steps during which a kicker cannot touch the ball again. */
  kickCooldown: 4,
  /** Steps a player who lost the ball to a tackle cannot touch it. */
  tackledCooldown: 8,
  shotSpeed: 0.055,
  shotLift: 0.004,
  /** Pass speed on arrival (ground passes are sized to arrive at this speed). */
  passArrivalSpeed: 0.016,
  maxGroundPassSpeed: 0.045,
  highPassLift: 0.013,
  longPassLift: 0.007,
  /** Goalkeeper: reach standing, extra reach when diving, movement speeds, catchable ball speed. */
  keeperReach: 0.012,
  keeperDiveReach: 0.006,
  keeperReachHeight: 0.055,
  keeperSpeed: 0.011,
  keeperCatchSpeed: 0.03,
  /** Keeper stands this far off the goal line. */
  keeperLineOffset: 0.03,
  /** Set-piece steps before the built-in AI (or, for the agent, auto play) takes it. */
  aiSetPieceDelay: 4,
  agentSetPieceTimeout: 30,
  /** Distance opponents keep from a restart (9.15 m), also the penalty arc radius. */
  restartDistance: 0.174,
  /** Where a sent-off player stands: off the pitch beyond the top touch line, by his team's half. */
  benchX: 0.08,
  benchY: -0.5,
} as const;

/** Rules figures: offside, fouls and cards. */
export const RULES = {
  /** Full-game length in steps when a scenario says nothing else (GRF: 3,000). */
  defaultGameDuration: 3000,
  /**
   * A standing tackle from behind the carrier (tackler more than this far behind him along his
   * facing) can be a careless foul; in stochastic mode with probability carelessFoul x (1.2 - skill).
   */
  behindMargin: 0.004,
  carelessFoul: 0.12,
  /** A slide from behind whose direction is within acos(0.7), about 46 degrees, of the carrier's facing is reckless: a yellow card. */
  recklessCos: 0.7,
  /** Distance to the goal inside which a foul on a clear run at goal denies an obvious goal-scoring chance. */
  dogsoDistance: 0.45,
} as const;

/** Kinds of kick (also the engine's `kickKind` event). */
export const Kick = { none: 0, short: 1, long: 2, high: 3, shot: 4 } as const;
export const KICK_NAMES = ['none', 'short_pass', 'long_pass', 'high_pass', 'shot'] as const;

/** sqrt(a^2 + b^2): much faster than Math.hypot in V8's hot loops. */
export function hypot(a: number, b: number): number {
  return Math.sqrt(a * a + b * b);
}
