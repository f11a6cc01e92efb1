import { ORACLE_STYLES, OracleAgent, type OracleStyle } from './oracles/oracle.js';
import { AgentSpecError } from './errors.js';
import { RandomAgent } from './random.js';
import { registerAgent, registerLazyAgentKind } from './registry.js';

// The built-in agent kinds. `openai:` is registered by agents/openai.ts; the model
// engineer registers `model:` the same way (registerAgent('model', ...)).
registerAgent('random', (_arg, o) => new RandomAgent(o.seed ?? 0), 'answers in the right format with random actions', []);
registerAgent('oracle', (_arg, o) => {
  const style = o.settings?.style ?? 'verbose';
  if (typeof style !== 'string' || !(ORACLE_STYLES as readonly string[]).includes(style)) throw new AgentSpecError(`oracle setting style must be one of ${ORACLE_STYLES.join(', ')}, got ${JSON.stringify(style)}`);
  return new OracleAgent(style as OracleStyle);
}, 'privileged scripted agent (solvers, BFS, scripted attacker) with short reasoning text (setting style: verbose | compact | walls)', ['style']);

// The trainable model (agents/model, TensorFlow.js): loaded only when a `model:` spec is used.
registerLazyAgentKind('model', () => import('./model/agent.js'));
