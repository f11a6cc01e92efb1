import { make } from '../../envs/core/registry.js';
import type { ObservationMode } from '../../envs/core/wrappers/observation-mode.js';
import { LanguageEnv } from '../../tasks/language-env.js';
import { modelInput } from '../../agents/model/agent.js';
import { OracleAgent, type OracleStyle } from '../../agents/oracles/oracle.js';
import { visitsHeldOut } from '../../agents/traces.js';
import { runEpisodes } from '../../agents/runner.js';
import type { Agent, AgentContext, AgentResponse } from '../../agents/types.js';
import type { AgentObservation } from '../../tasks/types.js';
import type { SftExample } from './types.js';

/** Where DAgger plays: one env in one observation mode (step interaction). */
export interface DaggerSource {
  envId: string;
  envOptions?: Record<string, unknown>;
  mode?: ObservationMode;
  maxTurns?: number;
  historyLength?: number;
  /** Episodes to play (default 64). */
  episodes?: number;
  /** Seed of the first episode (episode i uses seed + i). */
  seed?: number;
  reasoning?: OracleStyle;
}

export interface DaggerResult {
  examples: SftExample[];
  episodes: number;
  /** Episodes the learner won (its closed-loop success on these training levels). */
  learnerWins: number;
  /** Turns where the learner's action differed from the oracle's. */
  disagreements: number;
  turns: number;
}

/**
 * DAgger (Ross et al., 2011): play episodes with the learner, and at every state it visits
 * ask the oracle what it would have done. The oracle's answers at the learner's own states
 * become SFT examples, so priming also teaches recovery from the learner's mistakes (plain
 * oracle traces only show states on the optimal path). Held-out positions are skipped.
 */
export async function collectDaggerExamples(learner: Agent, sources: readonly DaggerSource[]): Promise<DaggerResult> {
  const out: DaggerResult = { examples: [], episodes: 0, learnerWins: 0, disagreements: 0, turns: 0 };
  for (const s of sources) {
    const oracle = new OracleAgent(s.reasoning ?? 'verbose');
    const recorder: Agent = {
      name: `dagger(${learner.name})`,
      concurrency: learner.concurrency ?? 1,
      act: async (obs, ctx) => (await recorder.actBatch!([obs], ctx ? [ctx] : []))[0]!,
      actBatch: async (obs: readonly AgentObservation[], ctxs: readonly AgentContext[] = []): Promise<AgentResponse[]> => {
        const answers = learner.actBatch ? await learner.actBatch(obs, ctxs) : await Promise.all(obs.map((o, i) => learner.act(o, ctxs[i])));
        obs.forEach((o, i) => {
          const ctx = ctxs[i]!;
          if (!ctx.env || visitsHeldOut(ctx.env)) return;
          const label = oracle.actSync(o, ctx);
          const input = modelInput(o);
          out.examples.push({ prompt: input.prompt, image: input.image ?? null, response: label.text, source: `dagger:${s.envId}` });
          out.turns++;
          if ((answers[i]!.parse.actions ?? []).join() !== (label.parse.actions ?? []).join()) out.disagreements++;
        });
        return answers;
      },
    };
    const n = s.episodes ?? 64;
    const envs = Array.from({ length: Math.min(n, 64) }, () => new LanguageEnv(make(s.envId, s.envOptions ?? {}), {
      mode: s.mode ?? 'image', interaction: 'step', envId: s.envId,
      ...(s.maxTurns !== undefined ? { maxTurns: s.maxTurns } : {}),
      ...(s.historyLength !== undefined ? { historyLength: s.historyLength } : {}),
    }));
    try {
      const results = await runEpisodes(recorder, envs, { seeds: Array.from({ length: n }, (_, i) => (s.seed ?? 0) + i) });
      out.episodes += results.length;
      out.learnerWins += results.filter((r) => r.success).length;
    } finally {
      for (const e of envs) e.close();
    }
  }
  return out;
}
