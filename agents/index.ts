// Public API of agents/: the Agent contract, prompts, response parsing, agents, the chat client.
// agents/model/** (the trainable model) is exported by its owner below.
export * from './types.js';
export * from './errors.js';
export * from './parse.js';
export * from './prompts.js';
export * from './agent.js';
export * from './registry.js';
