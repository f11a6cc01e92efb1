import { OracleAgent, type OracleStyle } from './oracles/oracle.js';
import { RandomAgent } from './random.js';
import { registerAgent, registerLazyAgentKind } from './registry.js';

// The built-in agent kinds. `openai:` is registered by agents/openai.ts; the model
// engineer registers `model:` the same way (registerAgent('model', ...)).
registerAgent('random', (_arg, o) => new RandomAgent(o.seed ?? 0), 'answers in the right format with random actions');
registerAgent('oracle', (_arg, o) => new OracleAgent((o.settings?.style as OracleStyle | undefined) ?? 'verbose'), 'privileged scripted agent (solvers, BFS, scripted attacker) with short reasoning text (setting style: verbose | compact)');

// The trainable model (agents/model, TensorFlow.js): loaded only when a `model:` spec is used.
registerLazyAgentKind('model', () => import('./model/agent.js'));
