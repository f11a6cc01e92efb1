/**
 * Typed errors of lmm-gym. Every error a user can trigger with bad input is one of
 * these, with a message that says what was expected and what was received.
 */
export class LmmGymError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An action outside the env's action space (wrong type, NaN, out of range). */
export class InvalidActionError extends LmmGymError {}

/** Calling step() before reset() or after the episode ended. */
export class ResetNeededError extends LmmGymError {}

/** An output path that cannot be written: a folder where a file is asked, a file in the way of a folder, a failed write. */
export class OutputPathError extends LmmGymError {}

/** A bad option value or an unknown option name. */
export class InvalidOptionError extends LmmGymError {}

/** A seed that is not a non-negative safe integer. */
export class InvalidSeedError extends LmmGymError {}

/** make() / spec lookups with an id that is not registered, or registering an id twice. */
export class RegistryError extends LmmGymError {}

/** checkEnv() found a contract violation; `problems` lists each one. */
export class EnvCheckError extends LmmGymError {
  constructor(readonly problems: string[]) {
    super(`env check failed:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * A vector env's sub-env failed: it threw, its worker died (exit, crash, timeout), or its
 * result could not be sent between threads. `envIndex` is the sub-env; `cause` the original
 * error when there is one (SyncVectorEnv).
 */
export class VectorEnvError extends LmmGymError {
  constructor(message: string, readonly envIndex: number, options?: { cause?: unknown }) {
    super(message);
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Describe a value for an error message without dumping huge objects. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  return typeof value === 'object' ? `object {${Object.keys(value as object).slice(0, 5).join(', ')}}` : typeof value;
}
