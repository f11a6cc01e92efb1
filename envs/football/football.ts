import { BaseEnv, type Info, type ResetResult, type StepResult } from '../core/env.js';
import { InvalidOptionError } from '../core/errors.js';
import { Box, Discrete, Text, type Space } from '../core/spaces.js';
import { cloneFrame, type Frame } from '../render/frame.js';
import { FOOTBALL_ACTIONS, LEFT, RIGHT } from './constants.js';
import { describeFootball, playerId } from './describe.js';
import { FootballEngine } from './engine.js';
import { rawFootballState, simple115GrfSpace, simple115Space, smmSpace, writeSimple115, writeSimple115Grf, writeSmm, type FootballRawState } from './observation.js';
import { FOOTBALL_MODEL_SIZE, FootballRenderer } from './render.js';
import { FootballRewardTracker, parseRewards, shapedSum, zeroShaped, type RewardComponent, type ShapedComponents } from './rewards.js';
import { getScenario, type FootballScenario } from './scenarios.js';

/**
 * Observations: `simple115` (ours: GRF's fixed layout clamped to [-1, 1]), `simple115_v2`
 * (GRF's simple115v2, also spelled `simple115v2`), `simple115_v1` (GRF's plain simple115),
 * `smm` (GRF's super mini-map, also spelled `extracted` as in GRF), `pixels`, `text`.
 */
export const FOOTBALL_REPRESENTATIONS = ['simple115', 'simple115_v2', 'simple115v2', 'simple115_v1', 'smm', 'extracted', 'pixels', 'text'] as const;
export type FootballRepresentation = (typeof FOOTBALL_REPRESENTATIONS)[number];
/** simple115*: Float32Array(115); smm: Uint8Array(72 x 96 x 4); pixels: an RGBA Frame (a copy); text: describe(). */
export type FootballObservation = Float32Array | Uint8Array | Frame | string;

export interface FootballOptions {
  /** A registered scenario name (see listScenarios()). */
  scenario: string;
  /** Opponent (right team) AI skill in [0, 1]; null: the scenario's. */
  difficulty: number | null;
  /** Agent's teammates' AI skill in [0, 1]; null: the scenario's. */
  teammateDifficulty: number | null;
  /** Comma-separated: scoring, checkpoints, shaped (e.g. 'scoring,checkpoints'). */
  rewards: string;
  /** Observation returned by reset/step. */
  representation: FootballRepresentation;
  /** render() frame size (default 128x64 for models; 512x256 suits replays). */
  width: number;
  height: number;
  /** Random kick and tackle noise (from the seeded generator); null: the scenario's default. */
  stochastic: boolean | null;
  /** Steps in the episode (GRF's game_duration; matches have half time at half of it); null: the scenario's. */
  gameDuration: number | null;
}

export const FOOTBALL_DEFAULTS: FootballOptions = {
  scenario: 'academy_empty_goal_close', difficulty: null, teammateDifficulty: null, rewards: 'scoring',
  representation: 'simple115', width: FOOTBALL_MODEL_SIZE.width, height: FOOTBALL_MODEL_SIZE.height, stochastic: null,
  gameDuration: null,
};

/** Card lists when nobody has been booked (the common case: no allocation per step). */
const NO_CARDS: { yellow: readonly string[]; sentOff: readonly string[] } = Object.freeze({ yellow: Object.freeze([]), sentOff: Object.freeze([]) });

/** Number of recent actions shown in describe() (MageBench shows the last 5). */
const RECENT_ACTIONS = 5;

/**
 * Football-v0: a fast, deterministic 2-D football game with Google Research Football's
 * scenarios, action set and rewards. The agent controls the left team's active player
 * (the ball carrier, else the player nearest the ball); everyone else plays the built-in AI.
 */
export class FootballEnv extends BaseEnv<FootballObservation, number> {
  readonly actionSpace = new Discrete(FOOTBALL_ACTIONS.length);
  readonly observationSpace: Space<FootballObservation>;
  override readonly actionNames = FOOTBALL_ACTIONS;
  override readonly metadata = { renderModes: ['rgb_array', 'text'], renderFps: 10 };
  readonly options: FootballOptions;
  readonly scenario: FootballScenario;
  readonly engine: FootballEngine;
  private readonly rewardParts: Set<RewardComponent>;
  private readonly tracker = new FootballRewardTracker();
  private renderer: FootballRenderer | null = null;
  private recent: string[] = [];
  private lastShaped: ShapedComponents = zeroShaped();
  /** This step's GRF scoring and checkpoint rewards (reported in info whatever is paid). */
  private lastScoring = 0;
  private lastCheckpoint = 0;
  /** Player ids ('L2', 'R1', ...) by index, built once. */
  private ids: string[] = [];

  constructor(options: Partial<FootballOptions> = {}) {
    super();
    this.options = validateFootballOptions({ ...FOOTBALL_DEFAULTS, ...options });
    this.scenario = getScenario(this.options.scenario);
    this.rewardParts = parseRewards(this.options.rewards);
    const o = this.options, s = this.scenario;
    this.engine = new FootballEngine({
      scenario: s,
      leftDifficulty: o.teammateDifficulty ?? s.leftDifficulty,
      rightDifficulty: o.difficulty ?? s.rightDifficulty,
      stochastic: o.stochastic ?? s.stochastic,
      gameDuration: o.gameDuration ?? s.gameDuration,
    }, this.rng);
    const r = o.representation;
    const space = r === 'simple115' ? simple115Space()
      : r === 'simple115_v2' || r === 'simple115v2' || r === 'simple115_v1' ? simple115GrfSpace()
      : r === 'smm' || r === 'extracted' ? smmSpace()
      : r === 'pixels' ? new Box(0, 255, [o.height, o.width, 4], 'uint8')
      : new Text(16384);
    this.observationSpace = space as unknown as Space<FootballObservation>;
  }

  protected onReset(): ResetResult<FootballObservation> {
    this.engine.reset(this.rng);
    this.tracker.reset(this.engine);
    this.lastScoring = 0; this.lastCheckpoint = 0;
    this.recent = [];
    this.lastShaped = zeroShaped();
    return { observation: this.observe(), info: this.info(false) };
  }

  protected onStep(action: number): StepResult<FootballObservation> {
    const e = this.engine;
    e.step(action);
    if (this.recent.length >= RECENT_ACTIONS) this.recent.shift();
    this.recent.push(FOOTBALL_ACTIONS[action]!);
    const shaped = this.tracker.shaped(e, this.lastShaped);
    // GRF's two rewards, always computed (info.scoringReward, info.checkpointReward); the option picks what is paid.
    const scoring = e.ev.goal === LEFT ? 1 : e.ev.goal === RIGHT ? -1 : 0;
    const checkpoint = this.tracker.checkpointReward(e);
    this.lastScoring = scoring; this.lastCheckpoint = checkpoint;
    let reward = 0;
    if (this.rewardParts.has('scoring')) reward += scoring;
    if (this.rewardParts.has('checkpoints')) reward += checkpoint;
    if (this.rewardParts.has('shaped')) reward += shapedSum(shaped);
    const s = this.scenario;
    const ev = e.ev;
    const timeUp = e.steps >= e.gameDuration;
    const terminated = (s.endOnScore && ev.goal >= 0) || (s.endOnOutOfPlay && ev.outOfPlay) || (s.endOnPossessionChange && ev.possessionChange) || (s.kind === 'match' && timeUp);
    const truncated = !terminated && timeUp;
    return { observation: this.observe(), reward, terminated, truncated, info: this.info(terminated || truncated) };
  }

  private observe(): FootballObservation {
    const r = this.options.representation;
    if (r === 'simple115') return writeSimple115(this.engine);
    if (r === 'simple115_v2' || r === 'simple115v2') return writeSimple115Grf(this.engine, true);
    if (r === 'simple115_v1') return writeSimple115Grf(this.engine, false);
    if (r === 'smm' || r === 'extracted') return writeSmm(this.engine);
    if (r === 'pixels') return cloneFrame(this.render());
    return this.describe();
  }

  /** The state in the shape of GRF's raw observation dict (with cards and sent-off players). */
  raw(): FootballRawState {
    return rawFootballState(this.engine);
  }

  /** Ids of the players with a yellow card (still on the pitch) and of those sent off. */
  private cardIds(): { yellow: readonly string[]; sentOff: readonly string[] } {
    const e = this.engine, st = e.stats;
    if (st.yellowCards[0]! + st.yellowCards[1]! + st.redCards[0]! + st.redCards[1]! === 0) return NO_CARDS;
    const yellow: string[] = [], sentOff: string[] = [];
    for (let i = 0; i < e.n; i++) {
      if (e.red[i]) sentOff.push(this.ids[i]!);
      else if (e.yellow[i]) yellow.push(this.ids[i]!);
    }
    return { yellow, sentOff };
  }

  private info(done: boolean): Info {
    const e = this.engine;
    const academy = this.scenario.kind === 'academy';
    const t = this.tracker.totals, s = this.lastShaped;
    if (this.ids.length !== e.n) this.ids = Array.from({ length: e.n }, (_, i) => playerId(e, i));
    const cards = this.cardIds();
    const id = (i: number): string | null => (i >= 0 ? this.ids[i]! : null);
    return {
      score: [e.scoreLeft, e.scoreRight],
      ballOwner: e.owner >= 0 ? this.ids[e.owner] : null,
      ballOwnedTeam: e.owner >= 0 ? e.teamOf(e.owner) : -1,
      activePlayer: e.active >= 0 ? this.ids[e.active] : null,
      gameMode: e.modeName,
      stepsLeft: e.stepsLeft,
      half: e.half,
      success: academy ? e.scoreLeft > 0 : done && e.scoreLeft > e.scoreRight,
      checkpoints: this.tracker.checkpoints,
      scoringReward: this.lastScoring,
      checkpointReward: this.lastCheckpoint,
      yellowCards: cards.yellow,
      sentOff: cards.sentOff,
      shaped: { ballProgress: s.ballProgress, opponentsPassed: s.opponentsPassed, goal: s.goal, lostBall: s.lostBall, passQuality: s.passQuality, shotQuality: s.shotQuality },
      shapedTotal: { ballProgress: t.ballProgress, opponentsPassed: t.opponentsPassed, goal: t.goal, lostBall: t.lostBall, passQuality: t.passQuality, shotQuality: t.shotQuality },
      shapedScore: 20 * shapedSum(t),
      event: {
        goal: e.ev.goal, outOfPlay: e.ev.outOfPlay, possessionChange: e.ev.possessionChange,
        kick: e.ev.kickKind, tackle: e.ev.tackle, save: e.ev.save, foul: e.ev.foul,
        offside: e.ev.offside, penalty: e.ev.penalty, yellow: id(e.ev.yellow), red: id(e.ev.red),
        halfTime: e.ev.halfTime, fullTime: e.ev.fullTime,
      },
    };
  }

  /** The pitch as an RGBA frame of the configured size. The frame is reused: copy it to keep it. */
  render(): Frame {
    if (!this.renderer) this.renderer = new FootballRenderer(this.options.width, this.options.height);
    return this.renderer.render(this.engine);
  }

  /** The state as text (format in docs/football.md), with the last 5 actions. */
  describe(): string {
    return describeFootball(this.engine, this.recent);
  }
}

/** Throw InvalidOptionError for a bad option value; returns the options. */
export function validateFootballOptions(o: FootballOptions): FootballOptions {
  if (typeof o.scenario !== 'string') throw new InvalidOptionError(`Football scenario must be a scenario name, got ${JSON.stringify(o.scenario)}`);
  getScenario(o.scenario);
  for (const k of ['difficulty', 'teammateDifficulty'] as const) {
    const v = o[k];
    if (v !== null && (typeof v !== 'number' || !(v >= 0 && v <= 1))) throw new InvalidOptionError(`Football ${k} must be a number in [0, 1] or null, got ${JSON.stringify(v)}`);
  }
  parseRewards(o.rewards);
  if (!(FOOTBALL_REPRESENTATIONS as readonly string[]).includes(o.representation)) throw new InvalidOptionError(`Football representation must be one of ${FOOTBALL_REPRESENTATIONS.join(', ')}, got ${JSON.stringify(o.representation)}`);
  for (const k of ['width', 'height'] as const) {
    const v = o[k];
    if (!Number.isSafeInteger(v) || v < 32 || v > 2048) throw new InvalidOptionError(`Football ${k} must be an integer in [32, 2048], got ${JSON.stringify(v)}`);
  }
  if (o.stochastic !== null && typeof o.stochastic !== 'boolean') throw new InvalidOptionError(`Football stochastic must be a boolean or null, got ${JSON.stringify(o.stochastic)}`);
  if (o.gameDuration !== null && (!Number.isSafeInteger(o.gameDuration) || o.gameDuration < 1 || o.gameDuration > 1_000_000)) throw new InvalidOptionError(`Football gameDuration must be an integer in [1, 1000000] or null, got ${JSON.stringify(o.gameDuration)}`);
  return o;
}
