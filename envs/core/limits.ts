// One way to refuse sizes that cannot fit, before any work: every layer checks its inputs
// against a named limit and says which field broke which limit (the error type stays the
// layer's own: InvalidOptionError, ModelError, TrainingConfigError, ReplayFormatError ...).

/**
 * The message for a size over its limit, e.g. `panel width (--panel-width) is 100000; the
 * limit is 4096`. `unit` follows both numbers.
 */
export function limitMessage(field: string, value: number | bigint, limit: number, unit = ''): string {
  return `${field} is ${value}${unit}; the limit is ${limit}${unit}`;
}

/**
 * Check `value` is an integer in [min, max]; else throw `make(message)` naming the field
 * and the bound it broke. Returns the value.
 */
export function checkIntInRange(field: string, value: unknown, min: number, max: number, make: (message: string) => Error): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw make(`${field} must be an integer, got ${JSON.stringify(value)}`);
  if (value < min) throw make(`${field} must be at least ${min}, got ${value}`);
  if (value > max) throw make(limitMessage(field, value, max));
  return value;
}
