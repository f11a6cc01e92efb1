import type { Env } from '../../envs/core/env.js';
import { OracleError } from '../errors.js';
import { formatAnswer, responseFromText } from '../agent.js';
import type { Agent, AgentContext, AgentResponse } from '../types.js';
import type { AgentObservation } from '../../tasks/types.js';

/** What an oracle decides for one observation: reasoning text and the answer. */
export interface OracleDecision {
  think: string;
  /** The answer text (action names separated by ", ", or an expression / number). */
  answer: string;
}

/**
 * How an oracle writes its reasoning: 'verbose' (full sentences, the default), 'compact'
 * (only what the decision needs, in few tokens: for priming small models) or 'walls'
 * (compact, and it also reads the inner walls off the board before planning: Sokoban,
 * where a small model's walks ran into walls it never had to name). Oracles without a
 * compact form write verbose reasoning for all three.
 */
export type OracleStyle = 'verbose' | 'compact' | 'walls';
export const ORACLE_STYLES: readonly OracleStyle[] = ['verbose', 'compact', 'walls'];

/**
 * A privileged policy for one env family: reads the true state through ctx.env /
 * ctx.envObservation (never the prompt) and returns a decision with a short reasoning
 * text, used as a baseline and for SFT traces.
 */
export type OraclePolicy = (obs: AgentObservation, env: Env, envObservation: unknown, style?: OracleStyle) => OracleDecision;

const policies = new Map<string, OraclePolicy>();

/** Register the oracle of an env id (or of the name without version, e.g. 'Football'). */
export function registerOracle(envId: string, policy: OraclePolicy): void {
  policies.set(envId, policy);
}

/** The oracle policy for an env id, or null. */
export function oracleFor(envId: string): OraclePolicy | null {
  return policies.get(envId) ?? policies.get(envId.replace(/-v\d+$/, '')) ?? null;
}

/** Env ids (or names) that have an oracle. */
export function oracleEnvIds(): string[] {
  return [...policies.keys()].sort();
}

/** The Agent wrapping the registered oracles: picks the policy by obs.envId; needs ctx.env. */
export class OracleAgent implements Agent {
  readonly name = 'oracle';
  readonly concurrency = 64;

  constructor(readonly style: OracleStyle = 'verbose') {
    if (!ORACLE_STYLES.includes(style)) throw new OracleError(`unknown oracle style ${JSON.stringify(style)}; expected one of ${ORACLE_STYLES.join(', ')}`);
  }

  async act(obs: AgentObservation, ctx: AgentContext = {}): Promise<AgentResponse> {
    return this.actSync(obs, ctx);
  }

  actSync(obs: AgentObservation, ctx: AgentContext = {}): AgentResponse {
    const policy = oracleFor(obs.envId);
    if (!policy) throw new OracleError(`no oracle for ${obs.envId}; oracles exist for: ${oracleEnvIds().join(', ')}`);
    if (!ctx.env) throw new OracleError('the oracle needs ctx.env (the env being played) to read the true state');
    const d = policy(obs, ctx.env, ctx.envObservation, this.style);
    return responseFromText(formatAnswer(d.think, d.answer), obs, { oracle: true });
  }
}

/** Capitalise an action name for answers ("left" -> "Left"). */
export function actionWord(name: string): string {
  return name.length ? name[0]!.toUpperCase() + name.slice(1) : name;
}

/** The first obs.maxActions actions of a plan as an answer (K in step mode, the plan limit in plan mode). */
export function planAnswer(obs: AgentObservation, names: readonly string[]): string {
  return names.slice(0, Math.max(1, obs.maxActions)).map(actionWord).join(', ');
}
