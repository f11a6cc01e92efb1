import { register } from '../core/registry.js';
import { ARITHMETIC_DEFAULTS, ArithmeticEnv, type ArithmeticOptions } from './arithmetic.js';
import { COUNTDOWN_DEFAULTS, CountdownEnv, type CountdownOptions } from './countdown.js';

register('Countdown-v0', (options) => new CountdownEnv(options as Partial<CountdownOptions>), {
  description: 'Countdown: reach the target from the given numbers with + - * / (each number at most once); one answer, exact checker.',
  options: { ...COUNTDOWN_DEFAULTS },
  maxEpisodeSteps: 1,
  tags: ['text-task', 'reasoning'],
});

register('Arithmetic-v0', (options) => new ArithmeticEnv(options as Partial<ArithmeticOptions>), {
  description: 'Arithmetic: compute the integer value of an expression; one answer, exact checker.',
  options: { ...ARITHMETIC_DEFAULTS },
  maxEpisodeSteps: 1,
  tags: ['text-task', 'reasoning'],
});
