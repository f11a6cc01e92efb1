import { parseResponse, type ParseOptions } from '../tasks/parse.js';
import type { AgentObservation } from '../tasks/types.js';
import type { Agent, AgentContext, AgentResponse } from './types.js';

/** Parse options that match an observation: its vocabulary and its action limit. */
export function parseOptionsFor(obs: AgentObservation): ParseOptions {
  return { maxActions: obs.maxActions, overflow: obs.interaction === 'plan' ? 'truncate' : 'fail' };
}

/** Turn response text into an AgentResponse for `obs` (parsing never throws). */
export function responseFromText(text: string, obs: AgentObservation, meta?: Record<string, unknown>): AgentResponse {
  const parse = parseResponse(text, obs.actionNames, obs.synonyms, parseOptionsFor(obs));
  const out: AgentResponse = { text, actions: parse.actions, parse };
  if (meta) out.meta = meta;
  return out;
}

/** Format a reasoning text and an answer the way agents must answer. */
export function formatAnswer(think: string, answer: string): string {
  return `<think>${think}</think><answer>${answer}</answer>`;
}

/**
 * Answer many observations: the agent's own actBatch when it has one, else act() calls
 * with at most `agent.concurrency` (default 1) in flight.
 */
export async function agentActBatch(agent: Agent, obs: readonly AgentObservation[], ctx: readonly AgentContext[] = []): Promise<AgentResponse[]> {
  if (agent.actBatch) return agent.actBatch(obs, ctx);
  return mapLimit(obs, Math.max(1, agent.concurrency ?? 1), (o, i) => agent.act(o, ctx[i]));
}

/** Map with at most `limit` promises in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
