import { registerPlayKeys } from './keys.js';
import { registerPromptSpec, type PromptSpec } from './prompts.js';

// Prompt specs of the built-in envs: rules, action help, synonyms, answer examples.
// Importing tasks/index.js (or agents/index.js) registers them; third-party envs call registerPromptSpec.

registerPromptSpec('FrozenLake-v0', {
  title: 'FrozenLake',
  rules: 'Walk from the start S to the goal G across a frozen lake. Holes H end the episode. Moving into the edge keeps you in place. On slippery ice a move may slide sideways.',
  actionHelp: { left: 'move one cell left', down: 'move one cell down', right: 'move one cell right', up: 'move one cell up' },
  exampleAnswer: 'Right',
});

// Sokoban-v0 (generated levels) and Boxoban-v0 (level files) play the same game.
const SOKOBAN_SPEC: PromptSpec = {
  title: 'Sokoban',
  rules: 'You are the player in a warehouse. Push every box onto a target. You can push one box at a time by walking into it, never pull. Walls block you and boxes. Each step costs 0.1; a box onto a target gives +1, off a target -1, and solving the level +10.',
  actionHelp: { up: 'move (or push) up', down: 'move (or push) down', left: 'move (or push) left', right: 'move (or push) right' },
  synonyms: { 'push up': 'up', 'push down': 'down', 'push left': 'left', 'push right': 'right', 'move up': 'up', 'move down': 'down', 'move left': 'left', 'move right': 'right' },
  exampleAnswer: 'Left, Up, Up',
};
registerPromptSpec('Sokoban-v0', SOKOBAN_SPEC);
// A model sees Boxoban-v0 as Sokoban-v0: primed on one, it read the board right on 64% of
// held-out positions posed under the other id, against 95% under its own (docs/notes/issue-12.md).
registerPromptSpec('Boxoban-v0', { ...SOKOBAN_SPEC, modelId: 'Sokoban-v0' });

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

registerPromptSpec('Football-v0', {
  title: 'Football',
  rules: 'You control the active player of the left team (attacking toward x = +1, the right goal); your teammates and the opponents play by themselves. Score a goal; keep the ball, move it forward, beat defenders, pass and shoot well. Directions stay active until you choose another one or release them.',
  actionHelp: {
    idle: 'do nothing new', left: 'run left (toward your own goal)', top_left: 'run up-left', top: 'run up', top_right: 'run up-right',
    right: 'run right (toward the opponent goal)', bottom_right: 'run down-right', bottom: 'run down', bottom_left: 'run down-left',
    long_pass: 'long ground pass', high_pass: 'lofted pass', short_pass: 'short pass to a teammate', shot: 'shoot at goal',
    sprint: 'start sprinting', release_direction: 'stop running', release_sprint: 'stop sprinting', sliding: 'sliding tackle',
    dribble: 'start dribbling', release_dribble: 'stop dribbling',
  },
  synonyms: {
    up: 'top', down: 'bottom', 'up left': 'top_left', 'up right': 'top_right', 'down left': 'bottom_left', 'down right': 'bottom_right',
    shoot: 'shot', pass: 'short_pass', 'short pass': 'short_pass', 'long pass': 'long_pass', 'high pass': 'high_pass', tackle: 'sliding',
    'no op': 'idle', noop: 'idle', wait: 'idle', stop: 'release_direction',
  },
  exampleAnswer: 'shot',
});

// Football in `lmm-gym play` / `watch`: the game runs in real time (10 ticks per second is
// game speed); arrows / w a s d run, the number keys are a numpad (7 8 9 / 4 5 6 / 1 2 3:
// 5 stops running, 0 does nothing new) and the letters below are the other actions.
registerPlayKeys('Football-v0', {
  keys: {
    '7': 'top_left', '8': 'top', '9': 'top_right', '4': 'left', '5': 'release_direction', '6': 'right',
    '1': 'bottom_left', '2': 'bottom', '3': 'bottom_right', '0': 'idle',
    ' ': 'shot', j: 'short_pass', k: 'long_pass', l: 'high_pass',
    e: 'sprint', f: 'release_sprint', c: 'dribble', b: 'release_dribble', x: 'sliding',
  },
  realtime: { idle: 'idle', fps: 5 },
  help: [
    'diagonals: numpad 7 9 1 3 (8 2 4 6 also run; 5 stop running; 0 idle)',
    'space shoot  j short pass  k long pass  l high pass  x sliding tackle',
    'e sprint  f stop sprinting  c dribble  b stop dribbling',
  ],
});
