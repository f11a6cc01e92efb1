import { OracleAgent, type OracleStyle } from './oracles/oracle.js';
import { AgentSpecError } from './errors.js';
import { RandomAgent } from './random.js';
import { registerAgent, registerLazyAgentKind } from './registry.js';

// The built-in agent kinds. `openai:` is registered by agents/openai.ts; the model
// engineer registers `model:` the same way (registerAgent('model', ...)).
registerAgent('random', (_arg, o) => new RandomAgent(o.seed ?? 0), 'answers in the right format with random actions', []);
registerAgent('oracle', (_arg, o) => {
  const style = o.settings?.style ?? 'verbose';
  if (style !== 'verbose' && style !== 'compact') throw new AgentSpecError(`oracle setting style must be verbose or compact, got ${JSON.stringify(style)}`);
  return new OracleAgent(style as OracleStyle);
}, 'privileged scripted agent (solvers, BFS, scripted attacker) with short reasoning text (setting style: verbose | compact)', ['style']);

// The trainable model (agents/model, TensorFlow.js): loaded only when a `model:` spec is used.
registerLazyAgentKind('model', () => import('./model/agent.js'));
