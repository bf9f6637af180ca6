/**
 * A fitted scaler saved beside the run as JSON, and read back to scale validation, test or
 * new data with exactly the training statistics.
 *
 * @example
 *   saveScaler('runs/42/scaler.json', new StandardScaler().fit(train));
 *   const scaler = loadScaler('runs/42/scaler.json');
 *   const scaledTest = scaler.transform(test);
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../core/atomic-file.js';
import { ConfigError, DataError, TunebookError } from '../core/errors.js';
import { asObject } from './json-fields.js';
import { MinMaxScaler } from './minmax-scaler.js';
import { StandardScaler } from './standard-scaler.js';

export const SCALER_TYPES = ['standard-scaler', 'minmax-scaler'] as const;
export type ScalerType = (typeof SCALER_TYPES)[number];
export type AnyScaler = StandardScaler | MinMaxScaler;

/** A fitted scaler of whichever type `value.type` names. */
export function scalerFromJSON(value: unknown): AnyScaler {
  const json = asObject(value, 'scalerFromJSON');
  if (json.type === 'standard-scaler') return StandardScaler.fromJSON(json);
  if (json.type === 'minmax-scaler') return MinMaxScaler.fromJSON(json);
  throw new ConfigError('scalerFromJSON: type', `one of ${SCALER_TYPES.join(', ')}`, json.type);
}

/** Writes the fitted scaler to `file` (folders created; whole or not at all). */
export function saveScaler(file: string, scaler: AnyScaler): void {
  const text = `${JSON.stringify(scaler.toJSON(), null, 2)}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomically(file, text);
}

/** Reads a scaler saved by `saveScaler`; any problem is a DataError naming the file. */
export function loadScaler(file: string): AnyScaler {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(file, `not valid JSON (${(error as Error).message})`);
  }
  try {
    return scalerFromJSON(json);
  } catch (error) {
    if (error instanceof TunebookError) throw new DataError(file, error.message);
    throw error;
  }
}
