// Public API of tasks/: the language task between envs and agents. LanguageEnv turns any
// env into turns of text/image prompts and answers; prompts and prompt specs, answer
// parsing and the rule-based rewards (format, accuracy, composed) live here.
// Layering: envs -> tasks -> agents -> training; nothing here imports agents/ or training/.
export * from './types.js';
export * from './rewards/index.js';
export * from './parse.js';
export { DIRECTIONS, DIRECTION_WORDS, CONTROL_KEYS, KEY_DIRECTIONS, registerPlayKeys, getPlayKeys, decodeTerminalKeys, keyMeaning, keyHelpLines, type Direction, type ControlCommand, type PlayKeys, type KeyMeaning } from './keys.js';
export * from './prompts.js';
export * from './language-env.js';
// Prompt specs of the built-in envs (registerPromptSpec).
import './specs.js';
