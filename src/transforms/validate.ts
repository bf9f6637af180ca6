/**
 * Checks for transform options. Each reads one option of one transform and either returns it
 * in canonical form or throws a ConfigError naming where it sits (`randomCrop.size`, or in a
 * pipeline file `aug.yaml:4: pipeline[1].randomCrop.size`) and the value received.
 *
 * @example
 *   const opts = options('randomRotation', raw, ['degrees', 'fill']);
 *   const [lo, hi] = symmetricRange(opts.at('degrees'), opts.get('degrees'));
 */
import { ConfigError, describeValue } from '../core/errors.js';
import { choice, closest } from '../core/validation.js';

export { closest };

/** A ConfigError whose message is `field: problem` (for problems that are not a bad value). */
export function configProblem(field: string, problem: string, received?: unknown): ConfigError {
  const error = new ConfigError(field, problem, received);
  error.message = `${field}: ${problem}`;
  return error;
}

/** A ConfigError for a key a transform does not take; the message lists the ones it does. */
export function unknownParameter(field: string, allowed: readonly string[]): ConfigError {
  const key = field.split('.').pop() ?? field;
  if (allowed.length === 0)
    return configProblem(field, 'unknown parameter (this transform takes none)', key);
  const guess = closest(key, allowed);
  const hint = guess ? `did you mean ${guess}? ` : '';
  return configProblem(
    field,
    `unknown parameter (${hint}expected one of ${allowed.join(', ')})`,
    key,
  );
}

/** The options object of one transform, checked for unknown keys. */
export class Options {
  private readonly values: Record<string, unknown>;

  constructor(
    readonly where: string,
    raw: unknown,
    allowed: readonly string[],
  ) {
    if (raw === undefined || raw === null) raw = {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError(
        where,
        `an options object with ${allowed.join(', ') || 'no keys'}`,
        raw,
      );
    }
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) throw unknownParameter(`${where}.${key}`, allowed);
    }
    this.values = raw as Record<string, unknown>;
  }

  /** The field name of `key` for messages. */
  at(key: string): string {
    return `${this.where}.${key}`;
  }

  has(key: string): boolean {
    return this.values[key] !== undefined && this.values[key] !== null;
  }

  get(key: string): unknown {
    return this.values[key];
  }
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A finite number, optionally within [min, max]. */
export function number(field: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (!isNumber(v) || v < min || v > max) {
    throw new ConfigError(field, `a number${rangeText(min, max)}`, v);
  }
  return v;
}

/** An integer, optionally within [min, max]. */
export function integer(field: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (!isNumber(v) || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `an integer${rangeText(min, max)}`, v);
  }
  return v;
}

function rangeText(min: number, max: number): string {
  if (min > -Infinity && max < Infinity) return ` in [${min}, ${max}]`;
  if (min > -Infinity) return ` >= ${min}`;
  if (max < Infinity) return ` <= ${max}`;
  return '';
}

/** A probability in [0, 1]. */
export function probability(field: string, v: unknown): number {
  return number(field, v, 0, 1);
}

export function boolean(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(field, 'true or false', v);
  return v;
}

/** One of an `as const` list (the kit's `choice`, with did-you-mean). */
export function oneOf<T extends string>(field: string, v: unknown, choices: readonly T[]): T {
  return choice(field, v, choices);
}

/** A size [height, width] of positive integers; one number means a square. */
export function size2(field: string, v: unknown): [number, number] {
  if (isNumber(v)) {
    const n = integer(field, v, 1);
    return [n, n];
  }
  if (
    Array.isArray(v) &&
    (v.length === 1 || v.length === 2) &&
    v.every((x) => Number.isInteger(x) && x >= 1)
  ) {
    return v.length === 1 ? [v[0], v[0]] : [v[0], v[1]];
  }
  throw new ConfigError(field, 'a positive integer or [height, width] of positive integers', v);
}

/** A [min, max] pair with min <= max, each within [lo, hi]. */
export function orderedPair(
  field: string,
  v: unknown,
  lo = -Infinity,
  hi = Infinity,
): [number, number] {
  if (
    Array.isArray(v) &&
    v.length === 2 &&
    v.every(isNumber) &&
    v[0] <= v[1] &&
    v[0] >= lo &&
    v[1] <= hi
  ) {
    return [v[0], v[1]];
  }
  throw new ConfigError(
    field,
    `[min, max] with min <= max${rangeText(lo, hi).replace(' in', ', each in')}`,
    v,
  );
}

/** A single number `d` meaning [-d, d] (d >= 0), or an ordered [min, max]. */
export function symmetricRange(field: string, v: unknown): [number, number] {
  if (isNumber(v)) {
    if (v < 0) throw new ConfigError(field, 'a non-negative number or [min, max]', v);
    return [-v, v];
  }
  if (Array.isArray(v)) return orderedPair(field, v);
  throw new ConfigError(field, 'a non-negative number or [min, max]', v);
}

/** One number, or a list of numbers (one per channel, or a single one). */
export function numberOrList(field: string, v: unknown, minLength = 1): number | number[] {
  if (isNumber(v)) return v;
  if (Array.isArray(v) && v.length >= minLength && v.every(isNumber)) return [...v];
  throw new ConfigError(field, 'a number or a list of numbers', v);
}

/** A non-empty list of numbers. */
export function numberList(field: string, v: unknown): number[] {
  if (Array.isArray(v) && v.length >= 1 && v.every(isNumber)) return [...v];
  throw new ConfigError(field, 'a non-empty list of numbers', v);
}

/** Describes a value for messages (re-exported so transforms need one import). */
export { describeValue };
