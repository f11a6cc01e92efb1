import type { Env } from '../envs/core/env.js';
import type { Rng } from '../envs/core/rng.js';
import type { AgentObservation, ParseResult } from '../tasks/types.js';

/** What an agent returns for one observation. */
export interface AgentResponse {
  /** The full response text (what a model wrote). */
  text: string;
  /** Shortcut for parse.actions. */
  actions: number[] | null;
  parse: ParseResult;
  /** Optional agent-specific data (token counts, latency, log-probs ...). JSON-friendly. */
  meta?: Record<string, unknown>;
}

/** Per-call context. Everything optional; agents must cope without it. */
export interface AgentContext {
  /** Cancels the call (eval timeouts, Ctrl-C). */
  signal?: AbortSignal;
  /** The episode's generator (deterministic random agents). */
  rng?: Rng;
  /** Episode index within an evaluation. */
  episode?: number;
  /**
   * The env being played (privileged: oracle agents read its state, e.g. the Sokoban
   * board). Language agents must not use it.
   */
  env?: Env;
  /** The env's own (raw) observation of the current state, e.g. FrozenLake's cell index. Privileged, like `env`. */
  envObservation?: unknown;
}

/**
 * The Agent contract. `act` answers one observation; `actBatch` answers many at once
 * (a model batches them through one forward pass). Use `agentActBatch()` to call either.
 */
export interface Agent {
  readonly name: string;
  /** How many act() calls may run at once (eval parallelism). Default 1. */
  readonly concurrency?: number;
  act(obs: AgentObservation, ctx?: AgentContext): Promise<AgentResponse>;
  actBatch?(obs: readonly AgentObservation[], ctx?: readonly AgentContext[]): Promise<AgentResponse[]>;
  /** Called at the start of each episode (drop per-episode caches). */
  reset?(episode: number): void;
  close?(): Promise<void> | void;
}
