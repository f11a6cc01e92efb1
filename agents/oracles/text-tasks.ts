import type { Env } from '../../envs/core/env.js';
import { ArithmeticEnv, arithmeticSteps } from '../../envs/text-tasks/arithmetic.js';
import { CountdownEnv, solveCountdown } from '../../envs/text-tasks/countdown.js';
import { OracleError } from '../errors.js';
import type { AgentObservation } from '../../tasks/types.js';
import { registerOracle, type OracleDecision } from './oracle.js';

function countdownOracle(_obs: AgentObservation, env: Env): OracleDecision {
  const raw = env.unwrapped;
  if (!(raw instanceof CountdownEnv)) throw new OracleError('the Countdown oracle needs a CountdownEnv');
  const p = raw.problem;
  const sol = solveCountdown(p);
  if (!sol) return { think: `Numbers ${p.numbers.join(', ')}, target ${p.target}. I find no way to reach it.`, answer: p.numbers.join(' + ') };
  const steps = sol.steps.map((s) => `${s.a} ${s.op} ${s.b} = ${s.result}`);
  // A short trace with the habits that priming wants: a subgoal, the steps, a check.
  const last = sol.steps[sol.steps.length - 1];
  const subgoal = last ? `To reach ${p.target} I look for two parts: ${last.a} and ${last.b}.` : `${p.target} is one of the numbers.`;
  return {
    think: `Numbers ${p.numbers.join(', ')}, target ${p.target}. ${subgoal} ${steps.join('. ')}${steps.length ? '.' : ''} Check: ${sol.expression} = ${p.target}, each number used at most once.`,
    answer: sol.expression,
  };
}

function arithmeticOracle(_obs: AgentObservation, env: Env): OracleDecision {
  const raw = env.unwrapped;
  if (!(raw instanceof ArithmeticEnv)) throw new OracleError('the Arithmetic oracle needs an ArithmeticEnv');
  const p = raw.problem;
  const steps = arithmeticSteps(p.expression);
  return { think: `${steps.join('. ')}. So ${p.expression} = ${p.answer}.`, answer: String(p.answer) };
}

registerOracle('Countdown-v0', countdownOracle);
registerOracle('Arithmetic-v0', arithmeticOracle);
