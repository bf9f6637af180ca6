/**
 * Checks for reading saved preprocessing state back: each failure is a ConfigError naming
 * the field and the value found, so a hand-edited or truncated scaler.json says what is wrong.
 *
 * @example
 *   const mean = numberArray(json, 'mean', 'StandardScaler.fromJSON', (v) => Number.isFinite(v));
 */
import { ConfigError } from '../core/errors.js';
import { choice } from '../core/validation.js';

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown, who: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(who, 'a JSON object', value);
  }
  return value as JsonObject;
}

export function numberArray(
  json: JsonObject,
  key: string,
  who: string,
  ok: (v: number) => boolean,
  expected: string,
): Float64Array {
  const value = json[key];
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(`${who}: ${key}`, 'a non-empty array of numbers', value);
  }
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !ok(v)) throw new ConfigError(`${who}: ${key}[${i}]`, expected, v);
  });
  return Float64Array.from(value as number[]);
}

export function positiveInt(json: JsonObject, key: string, who: string): number {
  const v = json[key];
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new ConfigError(`${who}: ${key}`, 'a positive integer', v);
  }
  return v as number;
}

export function oneOf<T extends string>(
  json: JsonObject,
  key: string,
  who: string,
  allowed: readonly T[],
): T {
  return choice(`${who}: ${key}`, json[key], allowed);
}

export function boolean(json: JsonObject, key: string, who: string): boolean {
  const v = json[key];
  if (typeof v !== 'boolean') throw new ConfigError(`${who}: ${key}`, 'true or false', v);
  return v;
}

export function version(json: JsonObject, who: string, supported: number): void {
  if (json.version !== supported) {
    throw new ConfigError(`${who}: version`, `${supported} (this tunebook's format)`, json.version);
  }
}
