import { Rng } from '../../envs/core/rng.js';
import { responseFromText } from '../agent.js';
import { registerAgent } from '../registry.js';
import type { Agent, AgentContext, AgentResponse } from '../types.js';
import type { AgentObservation } from '../../tasks/types.js';
import { getPromptSpec } from '../../tasks/prompts.js';
import '../../tasks/specs.js'; // the built-in specs (modelId) whoever imports this module first
import { initBackend } from './backend.js';
import { loadModel } from './checkpoint.js';
import type { ModelInput } from './layout.js';
import type { Generation, LmmModel } from './model.js';

/**
 * The model's input for an agent observation: a compact prompt (the env id, then the
 * turn's user message: state text, history, instruction) and the frame when there is one.
 * The long system prompt (rules, action list, format) is constant per env, so the small
 * model learns it from the env id (the prompt spec's `modelId` when it has one) instead
 * of reading it every turn. SFT (priming) and RL rollouts must build inputs with this
 * same function.
 */
export function modelInput(obs: Pick<AgentObservation, 'envId' | 'userPrompt' | 'image'>): ModelInput {
  // The spec's modelId: envs playing one game from other level sources share one input (Boxoban-v0 as Sokoban-v0).
  const input: ModelInput = { prompt: `${getPromptSpec(obs.envId).modelId ?? obs.envId}\n${obs.userPrompt}` };
  if (obs.image) input.image = obs.image;
  return input;
}

export interface ModelAgentOptions {
  /** Sampling temperature (default 0 = greedy, for evaluation; RL rollouts use 1). */
  temperature?: number;
  topP?: number;
  /** Response tokens at most (default 96). */
  maxTokens?: number;
  /** Seed of the agent's sampling Rng (default 0). */
  seed?: number;
  /** Override the observation -> model input mapping (default `modelInput`). */
  input?: (obs: AgentObservation) => ModelInput;
  name?: string;
}

/**
 * An Agent backed by an LmmModel: prompt -> generate -> parse. `actBatch` answers many
 * observations in one batched generation. The response's meta carries the token ids,
 * per-token log-probs and finish reason, so RL can reuse them without re-tokenizing.
 */
export class ModelAgent implements Agent {
  readonly name: string;
  readonly concurrency = 1;
  private readonly rng: Rng;

  constructor(readonly model: LmmModel, readonly options: ModelAgentOptions = {}) {
    this.name = options.name ?? 'model';
    this.rng = new Rng(options.seed ?? 0);
  }

  /** Load a checkpoint directory (frozen weights) as an agent. */
  static async load(dir: string, options: ModelAgentOptions = {}): Promise<ModelAgent> {
    await initBackend();
    return new ModelAgent(await loadModel(dir, { trainable: false }), options);
  }

  async act(obs: AgentObservation, ctx?: AgentContext): Promise<AgentResponse> {
    return (await this.actBatch([obs], ctx ? [ctx] : []))[0]!;
  }

  async actBatch(obs: readonly AgentObservation[], _ctx: readonly AgentContext[] = []): Promise<AgentResponse[]> {
    if (obs.length === 0) return [];
    const toInput = this.options.input ?? modelInput;
    const gens = await this.model.generate(obs.map(toInput), {
      temperature: this.options.temperature ?? 0,
      topP: this.options.topP ?? 1,
      maxTokens: this.options.maxTokens ?? 96,
      rng: this.rng,
    });
    return gens.map((g, i) => responseFromText(g.text, obs[i]!, generationMeta(g)));
  }

  close(): void {
    this.model.dispose();
  }
}

function generationMeta(g: Generation): Record<string, unknown> {
  return { tokenIds: g.tokenIds, logProbs: g.logProbs, finishReason: g.finishReason, tokens: g.tokenIds.length };
}

registerAgent('model', (arg, o) => {
  const s = o.settings ?? {};
  const num = (k: string) => (s[k] === undefined ? undefined : Number(s[k]));
  const opts: ModelAgentOptions = { seed: o.seed ?? 0 };
  if (num('temperature') !== undefined) opts.temperature = num('temperature')!;
  if (num('topP') !== undefined) opts.topP = num('topP')!;
  if (num('maxTokens') !== undefined) opts.maxTokens = num('maxTokens')!;
  return ModelAgent.load(arg, opts);
}, 'the trainable multimodal model from a checkpoint directory: model:DIR (settings temperature, topP, maxTokens)', ['temperature', 'topP', 'maxTokens']);
