import type { ObservationMode } from '../../envs/core/wrappers/observation-mode.js';
import { make } from '../../envs/core/registry.js';
import { agentActBatch } from '../../agents/agent.js';
import { LanguageEnv } from '../../agents/language-env.js';
import { modelInput } from '../../agents/model/agent.js';
import { createAgent } from '../../agents/registry.js';
import { runEpisodes } from '../../agents/runner.js';
import type { Agent, AgentContext, AgentObservation, AgentResponse, InteractionMode } from '../../agents/types.js';
import type { SftExample } from './types.js';

/** Where to collect oracle traces: one env (with its options) in one observation mode. */
export interface TraceSource {
  envId: string;
  envOptions?: Record<string, unknown>;
  mode?: ObservationMode;
  interaction?: InteractionMode;
  maxActions?: number;
  /** Episodes to play (default 20). */
  episodes?: number;
  /** Seed of the first episode (default 0; episode i uses seed + i). */
  seed?: number;
  /** Keep only turns of successful episodes (default true). */
  successOnly?: boolean;
}

/** Wraps an agent and records each (observation, response) it answers. */
class RecordingAgent implements Agent {
  readonly name: string;
  readonly turns: { episode: number; obs: AgentObservation; response: AgentResponse }[] = [];

  constructor(private readonly inner: Agent) {
    this.name = inner.name;
  }

  async act(obs: AgentObservation, ctx?: AgentContext): Promise<AgentResponse> {
    return (await this.actBatch([obs], ctx ? [ctx] : []))[0]!;
  }

  async actBatch(obs: readonly AgentObservation[], ctx: readonly AgentContext[] = []): Promise<AgentResponse[]> {
    const out = await agentActBatch(this.inner, obs, ctx);
    out.forEach((response, i) => this.turns.push({ episode: ctx[i]?.episode ?? -1, obs: obs[i]!, response }));
    return out;
  }
}

/**
 * Play the oracle agent (privileged scripted solver with reasoning text) on each source
 * and turn every answered observation into an SftExample, with the same model input
 * mapping (`modelInput`) the ModelAgent and RL rollouts use.
 */
export async function collectOracleExamples(sources: readonly TraceSource[], agentSpec = 'oracle'): Promise<SftExample[]> {
  const examples: SftExample[] = [];
  for (const s of sources) {
    const recorder = new RecordingAgent(await createAgent(agentSpec, { envId: s.envId, seed: s.seed ?? 0 }));
    const env = new LanguageEnv(make(s.envId, s.envOptions ?? {}), {
      mode: s.mode ?? 'text', interaction: s.interaction ?? 'step', ...(s.maxActions ? { maxActions: s.maxActions } : {}), envId: s.envId,
    });
    const n = s.episodes ?? 20, first = s.seed ?? 0;
    const results = await runEpisodes(recorder, [env], { seeds: Array.from({ length: n }, (_, i) => first + i) });
    const keep = new Set(results.filter((r) => r.success || s.successOnly === false).map((r) => r.episode));
    for (const t of recorder.turns) {
      if (t.episode >= 0 && !keep.has(t.episode)) continue;
      const input = modelInput(t.obs);
      examples.push({ prompt: input.prompt, image: input.image ?? null, response: t.response.text, source: s.envId });
    }
  }
  return examples;
}
