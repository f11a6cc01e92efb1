import { Rng } from '../envs/core/rng.js';
import { formatAnswer, responseFromText } from './agent.js';
import type { AgentObservation } from '../tasks/types.js';
import type { Agent, AgentContext, AgentResponse } from './types.js';

/**
 * Answers in the right format with random content: 1..maxActions random actions (one in
 * plain step mode; a random-length plan in plan mode); free-text tasks a random combination of numbers
 * from the statement. Uses ctx.rng when given (deterministic per episode), else its own.
 */
export class RandomAgent implements Agent {
  readonly name = 'random';
  readonly concurrency = 64;
  private readonly rng: Rng;
  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  async act(obs: AgentObservation, ctx: AgentContext = {}): Promise<AgentResponse> {
    return this.actSync(obs, ctx);
  }

  actSync(obs: AgentObservation, ctx: AgentContext = {}): AgentResponse {
    const rng = ctx.rng ?? this.rng;
    let answer: string;
    if (obs.actionNames.length === 0) {
      const nums = (obs.text ?? obs.userPrompt).match(/\d+/g) ?? ['0'];
      const a = rng.pick(nums), b = rng.pick(nums);
      answer = obs.envId.startsWith('Countdown') ? `${a} ${rng.pick(['+', '-', '*', '/'])} ${b}` : a;
    } else {
      const n = rng.intBetween(1, obs.maxActions);
      answer = Array.from({ length: n }, () => rng.pick(obs.actionNames)).join(', ');
    }
    return responseFromText(formatAnswer('I pick at random.', answer), obs);
  }
}
