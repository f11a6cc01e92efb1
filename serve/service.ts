import { randomBytes } from 'node:crypto';
import { LmmGymError } from '../envs/core/errors.js';
import type { LanguageEnv } from '../tasks/language-env.js';
import { buildAgentObservation } from '../tasks/prompts.js';
import { BadRequestError, NotFoundError, SessionStateError, TooManySessionsError } from './errors.js';
import { buildLanguageEnv, parseSeed, parseSessionSpec, resetOptionsOf, type SessionSpec } from './spec.js';
import { scalarInfo, toWireInfo, toWireObservation, type WireObservation, type WireStepInfo } from './wire.js';

export interface EnvServiceOptions {
  /** A session untouched this long is closed by sweep() (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Most open sessions; creating more answers 429 (default 10,000). */
  maxSessions?: number;
  /** Most items in one batch request (default 4,096). */
  maxBatch?: number;
  /** Prefix of every session id (a cluster worker's tag, e.g. "w1-"). */
  idPrefix?: string;
  /** The clock (ms); tests pass their own to expire sessions without waiting. */
  now?: () => number;
}

type SessionState = 'new' | 'running' | 'done';

interface Session {
  id: string;
  spec: SessionSpec;
  env: LanguageEnv;
  state: SessionState;
  lastUsed: number;
  episodes: number;
  steps: number;
}

export interface ResetResultItem { id: string; observation: WireObservation; info: Record<string, unknown> }
export interface StepResultItem {
  id: string;
  observation: WireObservation;
  reward: number;
  done: boolean;
  terminated: boolean;
  truncated: boolean;
  info: WireStepInfo;
}

/** CPU time of this process (user + system), seconds. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Expired ids remembered for a clearer 404 (bounded: a ring of this many). */
const EXPIRED_MEMORY = 4096;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The env server's state and batch operations, independent of HTTP: sessions of
 * LanguageEnvs keyed by id, created from specs, reset and stepped in batches with raw agent
 * text, expired when idle. Every batch is checked whole before any session is touched, so
 * a bad item (unknown id, wrong state, bad action type) changes nothing. Single-threaded:
 * one request runs at a time in a process, so a session is never stepped concurrently.
 */
export class EnvService {
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  readonly maxBatch: number;
  readonly idPrefix: string;
  private readonly now: () => number;
  private readonly sessions = new Map<string, Session>();
  private readonly expired = new Map<string, number>();
  private counter = 0;
  private readonly startedAt: number;
  /** Totals since start, for health and benchmarks. */
  readonly totals = { created: 0, closed: 0, expired: 0, resets: 0, steps: 0 };

  constructor(options: EnvServiceOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.maxBatch = options.maxBatch ?? 4096;
    this.idPrefix = options.idPrefix ?? '';
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    for (const [k, v] of [['idleTimeoutMs', this.idleTimeoutMs], ['maxSessions', this.maxSessions], ['maxBatch', this.maxBatch]] as const) {
      if (!Number.isSafeInteger(v) || v <= 0) throw new LmmGymError(`${k} must be a positive integer, got ${v}`);
    }
  }

  /** Open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  private newId(): string {
    return `${this.idPrefix}${(this.counter++).toString(36)}-${randomBytes(6).toString('base64url')}`;
  }

  private list(body: unknown, key: string, what: string): unknown[] {
    if (!isObject(body) || !Array.isArray(body[key])) throw new BadRequestError(`expected a JSON object {"${key}": [${what}, ...]}`);
    const items = body[key] as unknown[];
    if (items.length > this.maxBatch) throw new BadRequestError(`${items.length} items in one request; the limit is ${this.maxBatch} (--max-batch)`);
    return items;
  }

  private session(id: unknown, where: string): Session {
    if (typeof id !== 'string') throw new BadRequestError(`${where}: id must be a session id string, got ${JSON.stringify(id)}`);
    const s = this.sessions.get(id);
    if (s) return s;
    if (this.expired.has(id)) throw new NotFoundError(`${where}: session ${id} expired after ${Math.round(this.idleTimeoutMs / 1000)} s idle; create a new one`);
    throw new NotFoundError(`${where}: unknown session ${JSON.stringify(id.slice(0, 64))} (never created, or closed)`);
  }

  private unique(ids: string[], what: string): void {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) throw new BadRequestError(`${what}[${i}]: session ${id} appears twice in one request`);
      seen.add(id);
    });
  }

  /** `{sessions: [spec, ...]}` -> `{ids}`: all are created, or none (a bad spec names its index). */
  create(body: unknown): { ids: string[] } {
    const raw = this.list(body, 'sessions', '{env, options, mode, interaction, seed}');
    const specs = raw.map((s, i) => parseSessionSpec(s, `sessions[${i}]`));
    if (this.sessions.size + specs.length > this.maxSessions) {
      throw new TooManySessionsError(`creating ${specs.length} session(s) would exceed the limit of ${this.maxSessions} open sessions (${this.sessions.size} open); close some or raise --max-sessions`);
    }
    const built: LanguageEnv[] = [];
    try {
      specs.forEach((spec, i) => {
        try {
          built.push(buildLanguageEnv(spec));
        } catch (e) {
          if (e instanceof LmmGymError) throw new BadRequestError(`sessions[${i}]: ${e.message}`);
          throw e;
        }
      });
    } catch (e) {
      for (const env of built) env.close();
      throw e;
    }
    const t = this.now();
    const ids = specs.map((spec, i) => {
      const id = this.newId();
      this.sessions.set(id, { id, spec, env: built[i]!, state: 'new', lastUsed: t, episodes: 0, steps: 0 });
      return id;
    });
    this.totals.created += ids.length;
    return { ids };
  }

  /**
   * `{items: [{id, seed?, options?}]}` -> `{results: [{id, observation, info}]}`. Without a
   * seed, a session's first reset uses its spec's seed and later ones continue its generator.
   * Items run in order; a reset the env refuses (e.g. a level of the wrong size) stops the
   * batch with a 400 naming the item: earlier items are reset, that session needs a reset.
   */
  reset(body: unknown): { results: ResetResultItem[] } {
    const raw = this.list(body, 'items', '{id, seed?, options?}');
    const plan = raw.map((item, i) => {
      const where = `items[${i}]`;
      if (!isObject(item)) throw new BadRequestError(`${where}: expected {id, seed?, options?}, got ${JSON.stringify(item)?.slice(0, 80)}`);
      const s = this.session(item.id, where);
      const seed = parseSeed(item.seed, where);
      if (item.options !== undefined && item.options !== null && !isObject(item.options)) throw new BadRequestError(`${where}: options must be an object, got ${JSON.stringify(item.options)}`);
      return { s, seed: seed ?? (s.episodes === 0 ? s.spec.seed : null), options: (item.options as Record<string, unknown> | undefined) ?? null };
    });
    this.unique(plan.map((p) => p.s.id), 'items');
    const t = this.now();
    const results = plan.map(({ s, seed, options }, i) => {
      let r;
      try {
        r = s.env.reset(resetOptionsOf(s.spec, seed, options));
      } catch (e) {
        s.state = 'new';
        if (e instanceof LmmGymError) throw new BadRequestError(`items[${i}]: ${e.message}`);
        throw e;
      }
      s.state = 'running';
      s.lastUsed = t;
      s.episodes++;
      s.steps = 0;
      return { id: s.id, observation: toWireObservation(r.observation), info: scalarInfo(r.info) };
    });
    this.totals.resets += results.length;
    return { results };
  }

  /**
   * `{items: [{id, action}]}` -> `{results: [...]}`: `action` is the agent's raw text answer.
   * Checked whole first: an unknown id (404), a session not running (409: reset it first /
   * the episode ended) or a non-string action (400) rejects the batch before any step.
   */
  step(body: unknown): { results: StepResultItem[] } {
    const raw = this.list(body, 'items', '{id, action}');
    const plan = raw.map((item, i) => {
      const where = `items[${i}]`;
      if (!isObject(item)) throw new BadRequestError(`${where}: expected {id, action}, got ${JSON.stringify(item)?.slice(0, 80)}`);
      const s = this.session(item.id, where);
      if (typeof item.action !== 'string') throw new BadRequestError(`${where}: action must be the agent's text answer (a string), got ${JSON.stringify(item.action)?.slice(0, 80)}`);
      if (s.state === 'new') throw new SessionStateError(`${where}: session ${s.id} has not been reset; reset it before stepping`);
      if (s.state === 'done') throw new SessionStateError(`${where}: session ${s.id}'s episode has ended; reset it before stepping again`);
      return { s, action: item.action };
    });
    this.unique(plan.map((p) => p.s.id), 'items');
    const t = this.now();
    const results = plan.map(({ s, action }) => {
      let r;
      try {
        r = s.env.step(action);
      } catch (e) {
        s.state = 'done'; // an env that failed mid-turn is not stepped again before a reset
        throw e;
      }
      const done = r.terminated || r.truncated;
      s.state = done ? 'done' : 'running';
      s.lastUsed = t;
      s.steps++;
      return {
        id: s.id, observation: toWireObservation(r.observation), reward: r.reward, done, terminated: r.terminated, truncated: r.truncated,
        info: toWireInfo(r.info, (a) => s.env.actionName(a)),
      };
    });
    this.totals.steps += results.length;
    return { results };
  }

  /** `{ids: [...]}` -> `{prompts: [...]}`: each session's system prompt (rules, actions, answer format). */
  systemPrompt(body: unknown): { prompts: string[] } {
    const ids = this.list(body, 'ids', '"session id"');
    const sessions = ids.map((id, i) => this.session(id, `ids[${i}]`));
    const t = this.now();
    return {
      prompts: sessions.map((s) => {
        s.lastUsed = t;
        const e = s.env;
        return buildAgentObservation({ envId: e.envId, mode: 'text', interaction: e.interaction, actionNames: e.actionNames, maxActions: e.maxActions, spec: e.spec }).systemPrompt;
      }),
    };
  }

  /** `{ids: [...]}` -> `{closed, unknown}`: closing twice is not an error (the id is reported unknown). */
  close(body: unknown): { closed: number; unknown: string[] } {
    const ids = this.list(body, 'ids', '"session id"');
    let closed = 0;
    const unknown: string[] = [];
    ids.forEach((id, i) => {
      if (typeof id !== 'string') throw new BadRequestError(`ids[${i}]: expected a session id string, got ${JSON.stringify(id)}`);
    });
    for (const id of ids as string[]) {
      const s = this.sessions.get(id);
      if (!s) { unknown.push(id); continue; }
      this.drop(s);
      closed++;
    }
    this.totals.closed += closed;
    return { closed, unknown };
  }

  private drop(s: Session): void {
    this.sessions.delete(s.id);
    try {
      s.env.close();
    } catch {
      // a failing close must not keep the session
    }
  }

  /** Close the sessions idle longer than idleTimeoutMs; returns how many. */
  sweep(): number {
    const t = this.now();
    let n = 0;
    for (const s of this.sessions.values()) {
      if (t - s.lastUsed < this.idleTimeoutMs) continue;
      this.drop(s);
      this.expired.set(s.id, t);
      if (this.expired.size > EXPIRED_MEMORY) this.expired.delete(this.expired.keys().next().value!);
      n++;
    }
    this.totals.expired += n;
    return n;
  }

  /** Close every session (shutdown). */
  closeAll(): void {
    for (const s of [...this.sessions.values()]) this.drop(s);
  }

  /** Remembered expired ids (bounded). */
  get expiredRemembered(): number {
    return this.expired.size;
  }

  health(): Record<string, unknown> {
    return {
      status: 'ok',
      sessions: this.sessions.size,
      max_sessions: this.maxSessions,
      idle_timeout_s: this.idleTimeoutMs / 1000,
      uptime_s: Math.round((this.now() - this.startedAt) / 1000),
      pid: process.pid,
      rss_bytes: process.memoryUsage.rss(),
      cpu_s: cpuSeconds(),
      id_prefix: this.idPrefix,
      totals: { ...this.totals },
    };
  }
}

