// Public API of agents/: the Agent contract, the episode runner, agents (random, oracles,
// OpenAI-compatible client) and SFT traces.
// agents/model/** (the trainable model) is exported by its owner below.
// The language task (LanguageEnv, prompts, parsing, rewards) moved to tasks/; re-exported
// here so that existing imports from the agents index keep working.
export * from '../tasks/index.js';
export * from './types.js';
export * from './errors.js';
export * from './agent.js';
export * from './registry.js';
export * from './runner.js';
export * from './random.js';
export * from './oracles/index.js';
export * from './openai.js';
export * from './eval/index.js';
export * from './traces.js';
// The built-in envs must be registered for make() in evaluateAgent / generateSftTraces.
import '../envs/index.js';
import './builtin.js';
export * from './model/index.js';
