import type { Env } from '../core/env.js';
import { register } from '../core/registry.js';
import { ARITHMETIC_DEFAULTS, ArithmeticEnv } from './arithmetic.js';
import { COUNTDOWN_DEFAULTS, CountdownEnv } from './countdown.js';

declare module '../core/registry.js' {
  interface EnvRegistry {
    'Countdown-v0': Env<string, string>;
    'Arithmetic-v0': Env<string, string>;
  }
}

register('Countdown-v0', (options) => new CountdownEnv(options), {
  description: 'Countdown: reach the target from the given numbers with + - * / (each number at most once); one answer, exact checker.',
  options: { ...COUNTDOWN_DEFAULTS },
  maxEpisodeSteps: 1,
  tags: ['text-task', 'reasoning'],
});

register('Arithmetic-v0', (options) => new ArithmeticEnv(options), {
  description: 'Arithmetic: compute the integer value of an expression; one answer, exact checker.',
  options: { ...ARITHMETIC_DEFAULTS },
  maxEpisodeSteps: 1,
  tags: ['text-task', 'reasoning'],
});
