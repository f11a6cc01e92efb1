/**
 * The policy as an Agent: answers a batch of observations with one batched generation of
 * the model and keeps every sample (model input, token ids, per-token log-probs) so the
 * RL update can re-score exactly what was generated. Plugs into the agent layer's lockstep
 * episode runner (runEpisodes), so training rollouts and evaluation play episodes the
 * same way.
 */
import type { Rng } from '../../envs/core/rng.js';
import { responseFromText } from '../../agents/agent.js';
import type { AgentObservation } from '../../tasks/types.js';
import type { Agent, AgentResponse } from '../../agents/types.js';
import type { LmmModel } from '../../agents/model/model.js';
import type { ModelInput } from '../../agents/model/layout.js';

/** How an agent observation becomes the model's input (prompt text and optional image). */
export type PromptBuilder = (obs: AgentObservation) => ModelInput;

export interface PolicySample {
  input: ModelInput;
  tokenIds: number[];
  /** Log-prob of each token at the sampling temperature (the "old" policy of the update). */
  logProbs: number[];
  finishReason: string;
}

export interface SamplingSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
}

export class SamplingAgent implements Agent {
  readonly name: string;
  readonly samples: PolicySample[] = [];
  /** Generated tokens so far (for tokens/s). */
  generatedTokens = 0;

  constructor(
    private readonly model: LmmModel,
    private readonly promptOf: PromptBuilder,
    private readonly sampling: SamplingSettings,
    private readonly rng: Rng,
    name = 'policy',
  ) {
    this.name = name;
  }

  async act(obs: AgentObservation): Promise<AgentResponse> {
    return (await this.actBatch([obs]))[0]!;
  }

  async actBatch(obs: readonly AgentObservation[]): Promise<AgentResponse[]> {
    const inputs = obs.map((o) => this.promptOf(o));
    const gens = await this.model.generate(inputs, {
      maxTokens: this.sampling.maxTokens,
      temperature: this.sampling.temperature,
      topP: this.sampling.topP,
      rng: this.rng,
    });
    return gens.map((g, i) => {
      const id = this.samples.push({ input: inputs[i]!, tokenIds: g.tokenIds, logProbs: g.logProbs, finishReason: g.finishReason }) - 1;
      this.generatedTokens += g.tokenIds.length;
      return responseFromText(g.text, obs[i]!, { sample: id, tokens: g.tokenIds.length, finishReason: g.finishReason });
    });
  }
}
