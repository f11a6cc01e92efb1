import { LmmGymError } from '../envs/core/errors.js';

/** Base of every replay error (reading, re-simulating or rendering a replay file). */
export class ReplayError extends LmmGymError {}

/**
 * A replay file that is not valid: bad JSON, a missing or ill-typed field, steps out of
 * order. `line` is the 1-based line number in the file (0 when the file as a whole is bad).
 */
export class ReplayFormatError extends ReplayError {
  constructor(message: string, readonly line: number, readonly source = 'replay') {
    super(line > 0 ? `${source}:${line}: ${message}` : `${source}: ${message}`);
  }
}

/**
 * A replay file that stops before its end line (the writer crashed or the file was cut).
 * `lastLine` is the last complete line; read with `{ allowPartial: true }` to keep the
 * steps that are there.
 */
export class ReplayTruncatedError extends ReplayFormatError {
  constructor(message: string, readonly lastLine: number, source = 'replay') {
    super(message, lastLine, source);
  }
}

/**
 * A tagged value that does not decode (`{"$bigint":"abc"}`, `{"$num":"lots"}`, a typed array
 * of non-numbers). The reader reports it as a ReplayFormatError on its line.
 */
export class ReplayValueError extends ReplayError {}

/** A replay written by a newer format version than this reader knows. */
export class ReplayVersionError extends ReplayError {}

/** One difference between a recorded step and its re-simulation. */
export interface ReplayMismatch {
  /** 0-based step index (the `t` of the step line). */
  t: number;
  /** 1-based line of the step in the file, when known. */
  line: number | null;
  field: 'reward' | 'terminated' | 'truncated' | 'ended-early' | 'step-error';
  recorded: unknown;
  simulated: unknown;
}

/**
 * Re-simulating a replay did not reproduce what was recorded (typically a replay from
 * another version of the env, or a non-deterministic env). Lists every mismatch found.
 */
export class ReplayMismatchError extends ReplayError {
  constructor(readonly mismatches: ReplayMismatch[], readonly source = 'replay') {
    super(`${source}: re-simulation does not reproduce the recording (${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}); first: ${describeMismatch(mismatches[0]!)}`);
  }
}

/** A replay that cannot be re-simulated (no seed, unknown env) and has no stored frames. */
export class ReplayNotSimulatableError extends ReplayError {}

/** One line of text for a mismatch: step, line, field, both values. */
export function describeMismatch(m: ReplayMismatch): string {
  const where = `step ${m.t}${m.line !== null ? ` (line ${m.line})` : ''}`;
  if (m.field === 'step-error') return `${where}: the env rejected the recorded action ${JSON.stringify(m.recorded)}: ${String(m.simulated)}`;
  if (m.field === 'ended-early') return `${where}: the re-simulated episode had already ended (${String(m.simulated)}) but the recording goes on`;
  return `${where}: ${m.field} recorded ${JSON.stringify(m.recorded)}, re-simulated ${JSON.stringify(m.simulated)}`;
}
