/**
 * Checks for model settings that arrive from study files (YAML), so any value may turn up:
 * each failure is a ConfigError naming the field and the value received.
 *
 * @example
 *   const units = intList('model.extraDense', spec.extraDense, 1);
 */
import { ConfigError } from '../core/errors.js';
import { closest } from '../core/validation.js';

/**
 * A plain object (not null, not an array).
 *
 * @example
 *   isRecord({ a: 1 }); // true
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value as a plain object, or a ConfigError.
 *
 * @example
 *   const d = record('model.dropout', spec.dropout, 'an object { rate, where }');
 */
export function record(field: string, value: unknown, what = 'an object'): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(field, what, value);
  return value;
}

/**
 * Rejects keys outside `allowed`: a misspelt option would otherwise be a silent no-op arm.
 *
 * @example
 *   knownKeys('model.options', { widht: 3 }, ['widths']); // ConfigError naming "widht"
 */
export function knownKeys(
  field: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) continue;
    if (!allowed.includes(key)) {
      const guess = closest(key, allowed);
      const hint = guess ? ` (did you mean ${guess}?)` : '';
      const expected = allowed.length
        ? `one of the keys ${allowed.join(', ')}${hint}`
        : 'no options';
      throw new ConfigError(field, expected, key);
    }
  }
}

/**
 * An integer >= `min`.
 *
 * @example
 *   int('model.classes', 10, 2); // 10
 */
export function int(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(field, `an integer >= ${min}`, value);
  }
  return value;
}

/**
 * A list of integers >= `min`, each failure naming its index.
 *
 * @example
 *   intList('model.extraDense', [256, -1], 1); // ConfigError: model.extraDense[1]: ...
 */
export function intList(field: string, value: unknown, min: number, allowEmpty = true): number[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) {
    const what = allowEmpty ? 'a list' : 'a non-empty list';
    throw new ConfigError(field, `${what} of integers >= ${min}`, value);
  }
  return value.map((v, i) => int(`${field}[${i}]`, v, min));
}

/**
 * A finite number in the half-open or closed range given.
 *
 * @example
 *   numberIn('model.dropout.rate', 0.3, 0, 1, '[)'); // 0.3
 */
export function numberIn(
  field: string,
  value: unknown,
  lo: number,
  hi: number,
  bounds: '[)' | '[]' | '(]' = '[)',
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (bounds[0] === '[' ? value >= lo : value > lo) &&
    (bounds[1] === ']' ? value <= hi : value < hi);
  if (!ok) throw new ConfigError(field, `a number in ${bounds[0]}${lo}, ${hi}${bounds[1]}`, value);
  return value as number;
}

/**
 * A name tfjs accepts for a layer, and that reads well in a study file.
 *
 * @example
 *   layerName('model.multiTask[0].name', 'parity'); // 'parity'
 */
export function layerName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(value)) {
    throw new ConfigError(field, 'a name of letters, digits, _ . - starting with a letter', value);
  }
  return value;
}
