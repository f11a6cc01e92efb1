// Football scenarios as data. Positions follow Google Research Football's scenario files,
// converted to one world frame: BOTH teams are given in pitch coordinates (the left team
// attacks x = +1). GRF lists the right team in its own mirrored frame; here it is
// already mirrored (x -> -x, y -> -y), so what you read is where the player stands.
import { InvalidOptionError } from '../core/errors.js';
import { GAME_MODE_NAMES, MAX_PLAYERS_PER_TEAM, PITCH_HALF_WIDTH, ROLES, type GameModeName, type Role } from './constants.js';

export interface ScenarioPlayer {
  x: number;
  y: number;
  role: Role;
  /** False: the agent never controls this player (GRF's `controllable=False`). Default true. */
  controllable?: boolean;
  /** True: the player never moves, but takes a ball that comes within his reach (GRF's `lazy=True`). */
  lazy?: boolean;
}

/** A typed scenario definition. Add your own with `registerScenario`. */
export interface FootballScenario {
  name: string;
  /** One line for listings and docs. */
  description: string;
  /** 'academy': a drill that ends on a goal, lost ball or ball out; 'match': a game with kick-offs. */
  kind: 'academy' | 'match';
  /** The agent's team (attacks x = +1), world coordinates. */
  left: readonly ScenarioPlayer[];
  /** The built-in opponent (attacks x = -1), world coordinates. */
  right: readonly ScenarioPlayer[];
  ball: readonly [number, number];
  /** Steps in the episode (GRF's game_duration; one step = 0.1 s). */
  gameDuration: number;
  endOnScore: boolean;
  endOnOutOfPlay: boolean;
  endOnPossessionChange: boolean;
  /** Skill of the built-in AI of each team, in [0, 1] (the `difficulty` option overrides the right team's). */
  leftDifficulty: number;
  rightDifficulty: number;
  /** Default of the `stochastic` option for this scenario. */
  stochastic: boolean;
  /** Game mode at the start (default 'normal'; a match starts with 'kick_off'). */
  startMode?: GameModeName;
  /** Offside is judged (GRF's `offsides`); default: true for matches, false for academy drills. */
  offsides?: boolean;
  /** Half time at gameDuration / 2 with the kick-off to the other team; default: true for matches. */
  halfTime?: boolean;
}

const registry = new Map<string, FootballScenario>();

/** GRF lists the right team in its own frame; this mirrors it into world coordinates. */
function grfRight(players: [number, number, Role, boolean?][]): ScenarioPlayer[] {
  return players.map(([x, y, role, controllable]) => ({ x: x === 0 ? 0 : -x, y: y === 0 ? 0 : -y, role, ...(controllable === false ? { controllable } : {}) }));
}
function team(players: [number, number, Role, boolean?][]): ScenarioPlayer[] {
  return players.map(([x, y, role, controllable]) => ({ x, y, role, ...(controllable === false ? { controllable } : {}) }));
}

const ACADEMY = { kind: 'academy', gameDuration: 400, endOnScore: true, endOnOutOfPlay: true, endOnPossessionChange: true, leftDifficulty: 0.6, rightDifficulty: 0.6, stochastic: false } as const;

const ELEVEN: [number, number, Role, boolean?][] = [
  [-1.0, 0.0, 'GK'], [0.0, 0.02, 'RM'], [0.0, -0.02, 'CF'], [-0.422, -0.19576, 'LB'], [-0.5, -0.06356, 'CB'],
  [-0.5, 0.063559, 'CB'], [-0.422, 0.19576, 'RB'], [-0.184212, -0.10568, 'CM'], [-0.267574, 0.0, 'CM'],
  [-0.184212, 0.10568, 'CM'], [-0.01, -0.2161, 'LM'],
];
const ELEVEN_RIGHT: [number, number, Role, boolean?][] = [
  [-1.0, 0.0, 'GK'], [-0.05, 0.0, 'RM'], [-0.01, 0.216102, 'CF'], [-0.422, -0.19576, 'LB'], [-0.5, -0.06356, 'CB'],
  [-0.5, 0.063559, 'CB'], [-0.422, 0.19576, 'RB'], [-0.184212, -0.10568, 'CM'], [-0.267574, 0.0, 'CM'],
  [-0.184212, 0.10568, 'CM'], [-0.01, -0.2161, 'LM'],
];
const MATCH = { kind: 'match', gameDuration: 3000, endOnScore: false, endOnOutOfPlay: false, endOnPossessionChange: false, leftDifficulty: 0.6, startMode: 'kick_off' } as const;
const COUNTER_LEFT = team([
  [-1.0, 0.0, 'GK'], [-0.672, -0.19576, 'LB'], [-0.75, -0.06356, 'CB'], [-0.75, 0.063559, 'CB'], [-0.672, 0.19576, 'RB'],
  [-0.434, -0.10568, 'CM'], [-0.434, 0.10568, 'CM'], [0.5, -0.3161, 'CM'], [0.25, -0.1, 'LM'], [0.25, 0.1, 'RM'], [0.35, 0.316102, 'CF'],
]);

/** The built-in scenarios (GRF's academy drills and full games). */
export const BUILTIN_SCENARIOS: readonly FootballScenario[] = [
  { ...ACADEMY, name: 'academy_empty_goal_close', description: 'One attacker with the ball just outside the box, empty goal.',
    left: team([[-1, 0, 'GK'], [0.75, 0, 'CB']]), right: grfRight([[1, 0, 'GK']]), ball: [0.77, 0] },
  { ...ACADEMY, name: 'academy_empty_goal', description: 'One attacker with the ball at the centre spot, empty goal.',
    left: team([[-1, 0, 'GK'], [0, 0, 'CB']]), right: grfRight([[1, 0, 'GK']]), ball: [0.02, 0] },
  { ...ACADEMY, name: 'academy_run_to_score', description: 'Run from the centre to an empty goal with five defenders chasing from behind.',
    left: team([[-1, 0, 'GK'], [0, 0, 'CB']]),
    right: grfRight([[1, 0, 'GK'], [0.12, 0.2, 'LB'], [0.12, 0.1, 'CB'], [0.12, 0, 'CM'], [0.12, -0.1, 'CB'], [0.12, -0.2, 'RB']]), ball: [0.02, 0] },
  { ...ACADEMY, name: 'academy_run_to_score_with_keeper', description: 'Run from the centre and beat the keeper, five defenders chasing from behind.',
    left: team([[-1, 0, 'GK'], [0, 0, 'CB']]),
    right: grfRight([[-1, 0, 'GK'], [0.12, 0.2, 'LB'], [0.12, 0.1, 'CB'], [0.12, 0, 'CM'], [0.12, -0.1, 'CB'], [0.12, -0.2, 'RB']]), ball: [0.02, 0] },
  { ...ACADEMY, name: 'academy_pass_and_shoot_with_keeper', description: 'Two attackers against a defender (near the passer) and the keeper.',
    left: team([[-1, 0, 'GK'], [0.7, 0, 'CB'], [0.7, -0.3, 'CB']]), right: grfRight([[-1, 0, 'GK'], [-0.75, 0.3, 'CB']]), ball: [0.7, -0.28] },
  { ...ACADEMY, name: 'academy_run_pass_and_shoot_with_keeper', description: 'Two attackers against a central defender and the keeper.',
    left: team([[-1, 0, 'GK'], [0.7, 0, 'CB'], [0.7, -0.3, 'CB']]), right: grfRight([[-1, 0, 'GK'], [-0.75, 0.1, 'CB']]), ball: [0.7, -0.28] },
  { ...ACADEMY, name: 'academy_3_vs_1_with_keeper', description: 'Three attackers against one defender and the keeper.',
    left: team([[-1, 0, 'GK'], [0.6, 0, 'CM'], [0.7, 0.2, 'CM'], [0.7, -0.2, 'CM']]), right: grfRight([[-1, 0, 'GK'], [-0.75, 0, 'CB']]), ball: [0.62, 0] },
  { ...ACADEMY, name: 'academy_corner', description: 'A corner kick for the agent, 11 against 11; the drill ends on a goal or ball out.', endOnPossessionChange: false, startMode: 'corner',
    left: team([[-1, 0, 'GK'], [1, 0.42, 'LB'], [0.7, 0.15, 'CB'], [0.7, 0.05, 'CB'], [0.7, -0.05, 'RB'], [0, 0, 'CM'], [0.6, 0.35, 'CM'], [0.8, 0.07, 'CM'], [0.8, -0.03, 'LM'], [0.8, -0.13, 'RM'], [0.7, -0.3, 'CF']]),
    right: grfRight([[-1, 0, 'GK'], [-0.75, -0.18, 'LB'], [-0.75, -0.08, 'CB'], [-0.75, 0.02, 'CB'], [-1, -0.1, 'RB'], [-0.8, -0.25, 'CM'], [-0.88, -0.07, 'CM'], [-0.88, 0.03, 'CM'], [-0.88, 0.13, 'LM'], [-0.75, 0.25, 'RM'], [-0.2, 0, 'CF']]),
    ball: [0.99, 0.41] },
  { ...ACADEMY, name: 'academy_counterattack_easy', description: 'A 4-against-1 counterattack from midfield (one defender back), 11 against 11.',
    left: COUNTER_LEFT,
    right: grfRight([[-1, 0, 'GK'], [0.128, -0.19576, 'LB'], [0.4, -0.06356, 'CB'], [-0.4, 0.063559, 'CB'], [0.128, -0.19576, 'RB'], [0.365, -0.10568, 'CM'], [0.282, 0, 'CM'], [0.365, 0.10568, 'CM'], [0.54, -0.3161, 'LM'], [0.51, 0, 'RM'], [0.54, 0.316102, 'CF']]),
    ball: [0.26, -0.11] },
  { ...ACADEMY, name: 'academy_counterattack_hard', description: 'A 4-against-2 counterattack from midfield (two defenders back), 11 against 11.',
    left: COUNTER_LEFT,
    right: grfRight([[-1, 0, 'GK'], [0.128, -0.19576, 'LB'], [-0.4, -0.06356, 'CB'], [-0.4, 0.063559, 'CB'], [0.128, -0.19576, 'RB'], [0.365, -0.10568, 'CM'], [0.282, 0, 'CM'], [0.365, 0.10568, 'CM'], [0.54, -0.3161, 'LM'], [0.51, 0, 'RM'], [0.54, 0.316102, 'CF']]),
    ball: [0.26, -0.11] },
  { ...ACADEMY, name: 'academy_single_goal_versus_lazy', description: 'Full 11 v 11 against lazy opponents (they never move, but take a ball within reach); our centre back starts with the ball; 3000 steps, ends on a goal.',
    gameDuration: 3000, endOnOutOfPlay: false, endOnPossessionChange: false,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT).map((p) => ({ ...p, lazy: true })), ball: [-0.489, -0.06356] },
  { ...MATCH, name: '1_vs_1_easy', description: 'One outfield player and a keeper (not controllable) a side, 500 steps, easy opponent (0.05), no offside.',
    gameDuration: 500, rightDifficulty: 0.05, leftDifficulty: 0.05, stochastic: false, offsides: false,
    left: team([[-1, 0, 'GK', false], [0, 0, 'CF']]), right: grfRight([[-1, 0, 'GK', false], [-0.04, 0, 'CF']]), ball: [0, 0] },
  { ...MATCH, name: '5_vs_5', description: 'Five-a-side match (keepers not controllable), 3000 steps, easy opponent (0.05).', rightDifficulty: 0.05, leftDifficulty: 0.05, stochastic: false,
    left: team([[-1, 0, 'GK', false], [0, 0.02, 'RM'], [0, -0.02, 'CF'], [-0.1, -0.1, 'LB'], [-0.1, 0.1, 'CB']]),
    right: grfRight([[-1, 0, 'GK', false], [-0.04, 0.04, 'RM'], [-0.04, -0.04, 'CF'], [-0.1, -0.1, 'LB'], [-0.1, 0.1, 'CB']]), ball: [0, 0] },
  { ...MATCH, name: '11_vs_11_easy', description: 'Full match, 3000 steps, easy opponent (difficulty 0.05), deterministic.', rightDifficulty: 0.05, stochastic: false,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT), ball: [0, 0] },
  { ...MATCH, name: '11_vs_11_hard', description: 'Full match, 3000 steps, hard opponent (difficulty 0.95), deterministic.', rightDifficulty: 0.95, stochastic: false,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT), ball: [0, 0] },
  { ...MATCH, name: '11_vs_11_easy_stochastic', description: 'Full match, 3000 steps, easy opponent (0.05), stochastic kicks and tackles.', rightDifficulty: 0.05, stochastic: true,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT), ball: [0, 0] },
  { ...MATCH, name: '11_vs_11_stochastic', description: 'Full match, 3000 steps, medium opponent (0.6), stochastic.', rightDifficulty: 0.6, stochastic: true,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT), ball: [0, 0] },
  { ...MATCH, name: '11_vs_11_hard_stochastic', description: 'Full match, 3000 steps, hard opponent (0.95), stochastic.', rightDifficulty: 0.95, stochastic: true,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT), ball: [0, 0] },
  // Rule tests (ours; GRF keeps test scenarios of its own that we could not check): each
  // starts in the situation a rule needs.
  { ...ACADEMY, name: 'tests.penalty', description: 'A penalty kick for the agent: the taker at the spot, the keeper on his line, everyone else outside the box; ends on a goal, a save or the ball out.',
    gameDuration: 100, startMode: 'penalty',
    left: team([[-1, 0, 'GK'], [0.76, 0, 'CF'], [0.6, 0.15, 'CM']]), right: grfRight([[-1, 0, 'GK'], [-0.62, 0.1, 'CB']]), ball: [0.79, 0] },
  { ...ACADEMY, name: 'tests.offside', description: 'Offside judged: a midfielder with the ball, a forward beyond the two centre backs, a winger level with them; ends on a goal or ball out.',
    gameDuration: 200, endOnPossessionChange: false, offsides: true,
    left: team([[-1, 0, 'GK'], [0.3, 0, 'CM'], [0.72, 0, 'CF'], [0.6, -0.3, 'LM']]),
    right: grfRight([[-1, 0, 'GK'], [-0.6, 0.25, 'CB'], [-0.6, -0.25, 'CB']]), ball: [0.311, 0] },
  { ...MATCH, name: 'tests.second_half', description: '11 v 11 from the kick-off, 100 steps: half time at step 50 (ends switched, the right team kicks off).',
    gameDuration: 100, rightDifficulty: 0.6, stochastic: false,
    left: team(ELEVEN), right: grfRight(ELEVEN_RIGHT), ball: [0, 0] },
];

/** Throw InvalidOptionError unless `s` is a well-formed scenario. */
export function validateScenario(s: FootballScenario): FootballScenario {
  const bad = (why: string): never => { throw new InvalidOptionError(`football scenario ${JSON.stringify(s?.name)}: ${why}`); };
  if (!s || typeof s !== 'object') bad('must be an object');
  if (typeof s.name !== 'string' || !/^[\w.-]+$/.test(s.name)) bad('name must be letters, digits, _ . -');
  if (s.kind !== 'academy' && s.kind !== 'match') bad(`kind must be 'academy' or 'match', got ${JSON.stringify(s.kind)}`);
  for (const side of ['left', 'right'] as const) {
    const players = s[side];
    if (!Array.isArray(players) || players.length < 1 || players.length > MAX_PLAYERS_PER_TEAM) bad(`${side} must list 1 to ${MAX_PLAYERS_PER_TEAM} players`);
    players.forEach((p, i) => {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || Math.abs(p.x) > 1.05 || Math.abs(p.y) > PITCH_HALF_WIDTH + 0.05) bad(`${side}[${i}] position must be on the pitch (|x| <= 1.05, |y| <= 0.47)`);
      if (!(ROLES as readonly string[]).includes(p.role)) bad(`${side}[${i}] role must be one of ${ROLES.join(', ')}`);
    });
  }
  if (!s.left.some((p) => p.controllable !== false)) bad('left needs at least one controllable player');
  if (!Array.isArray(s.ball) || s.ball.length !== 2 || !s.ball.every(Number.isFinite) || Math.abs(s.ball[0]) > 1 || Math.abs(s.ball[1]) > PITCH_HALF_WIDTH) bad('ball must be [x, y] on the pitch');
  if (!Number.isSafeInteger(s.gameDuration) || s.gameDuration < 1) bad('gameDuration must be a positive integer');
  for (const k of ['leftDifficulty', 'rightDifficulty'] as const) if (!(s[k] >= 0 && s[k] <= 1)) bad(`${k} must be in [0, 1]`);
  for (const k of ['endOnScore', 'endOnOutOfPlay', 'endOnPossessionChange', 'stochastic'] as const) if (typeof s[k] !== 'boolean') bad(`${k} must be a boolean`);
  if (s.startMode !== undefined && !(GAME_MODE_NAMES as readonly string[]).includes(s.startMode)) bad(`startMode must be one of ${GAME_MODE_NAMES.join(', ')}`);
  for (const k of ['offsides', 'halfTime'] as const) if (s[k] !== undefined && typeof s[k] !== 'boolean') bad(`${k} must be a boolean when given`);
  return s;
}

/** Add (or with `override`, replace) a scenario; `Football-v0` then accepts its name. */
export function registerScenario(scenario: FootballScenario, override = false): void {
  validateScenario(scenario);
  if (registry.has(scenario.name) && !override) throw new InvalidOptionError(`football scenario ${scenario.name} is already registered (pass override=true to replace it)`);
  registry.set(scenario.name, Object.freeze({ ...scenario }));
}

/** The scenario called `name`, or a clear error listing the known ones. */
export function getScenario(name: string): FootballScenario {
  const s = registry.get(name);
  if (!s) throw new InvalidOptionError(`unknown football scenario ${JSON.stringify(name)}; scenarios: ${[...registry.keys()].join(', ')}`);
  return s;
}

/** Names of all registered scenarios, built-in first. */
export function listScenarios(): string[] {
  return [...registry.keys()];
}

for (const s of BUILTIN_SCENARIOS) registerScenario(s);
