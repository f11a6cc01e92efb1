import type { ObservationMode } from '../../envs/core/wrappers/observation-mode.js';
import { modelInput } from '../../agents/model/agent.js';
import { generateSftTraces } from '../../agents/traces.js';
import type { SftTrace } from '../../agents/traces.js';
import type { InteractionMode } from '../../tasks/types.js';
import type { OracleStyle } from '../../agents/oracles/oracle.js';
import type { SftExample } from './types.js';
import { pushAll } from '../../envs/core/arrays.js';

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
  /** The oracle's reasoning style (default 'verbose'). */
  reasoning?: OracleStyle;
  /** LanguageEnv history length (past actions shown; default the LanguageEnv's). */
  historyLength?: number;
}

/**
 * SFT examples from the agent layer's oracle traces (agents/traces.ts), with the same
 * observation -> model input mapping (`modelInput`: env id + user prompt, frame) that
 * ModelAgent and the RL rollouts use, so priming teaches exactly the prompts RL shows.
 */
export function examplesFromTraces(traces: readonly SftTrace[]): SftExample[] {
  return traces.map((t) => {
    const input = modelInput(t);
    return { prompt: input.prompt, image: input.image ?? null, response: t.response, source: t.envId };
  });
}

/** Play the oracle agent on each source (generateSftTraces) and return SFT examples. */
export async function collectOracleExamples(sources: readonly TraceSource[]): Promise<SftExample[]> {
  const out: SftExample[] = [];
  for (const s of sources) {
    const traces = generateSftTraces([{
      envId: s.envId, envOptions: s.envOptions ?? {}, episodes: s.episodes ?? 20,
      mode: s.mode ?? 'text', interaction: s.interaction ?? 'step',
      language: {
        ...(s.maxActions !== undefined ? { maxActions: s.maxActions } : {}),
        ...(s.historyLength !== undefined ? { historyLength: s.historyLength } : {}),
      },
      ...(s.reasoning ? { reasoning: s.reasoning } : {}),
    }], { seed: s.seed ?? 0, onlySuccessful: s.successOnly !== false });
    pushAll(out, examplesFromTraces(traces));
    await new Promise((res) => setImmediate(res)); // long collections stay interruptible
  }
  return out;
}
