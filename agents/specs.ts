import { registerPromptSpec } from './prompts.js';

// Prompt specs of the built-in envs: rules, action help, synonyms, answer examples.
// Importing agents/index.js registers them; third-party envs call registerPromptSpec.

registerPromptSpec('FrozenLake-v0', {
  title: 'FrozenLake',
  rules: 'Walk from the start S to the goal G across a frozen lake. Holes H end the episode. Moving into the edge keeps you in place. On slippery ice a move may slide sideways.',
  actionHelp: { left: 'move one cell left', down: 'move one cell down', right: 'move one cell right', up: 'move one cell up' },
  exampleAnswer: 'Right',
});

registerPromptSpec('Sokoban-v0', {
  title: 'Sokoban',
  rules: 'You are the player in a warehouse. Push every box onto a target. You can push one box at a time by walking into it, never pull. Walls block you and boxes. Each step costs 0.1; a box onto a target gives +1, off a target -1, and solving the level +10.',
  actionHelp: { up: 'move (or push) up', down: 'move (or push) down', left: 'move (or push) left', right: 'move (or push) right' },
  synonyms: { 'push up': 'up', 'push down': 'down', 'push left': 'left', 'push right': 'right', 'move up': 'up', 'move down': 'down', 'move left': 'left', 'move right': 'right' },
  exampleAnswer: 'Left, Up, Up',
});

registerPromptSpec('Countdown-v0', {
  title: 'Countdown',
  rules: 'Reach the target number with the given numbers, using + - * / and parentheses. Each number may be used at most once (or exactly once when the task says so).',
  answerHelp: 'The answer is the expression only, e.g. (25 - 5) * 3. Do not write "=" or the result.',
  exampleAnswer: '(25 - 5) * 3',
});

registerPromptSpec('Arithmetic-v0', {
  title: 'Arithmetic',
  rules: 'Compute the exact integer value of the expression. Multiplication and division come before addition and subtraction.',
  answerHelp: 'The answer is the integer only, e.g. 42.',
  exampleAnswer: '42',
});
