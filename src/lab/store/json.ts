/**
 * JSON for the TEXT columns. Plain JSON turns NaN and Infinity into null, yet a diverged trial
 * has a NaN loss and a one-seed effect has an infinite interval; they are written as
 * `{"$num":"NaN"}` so they come back as the numbers they were.
 *
 * @example
 *   decodeJson(encodeJson({ loss: Number.NaN })); // { loss: NaN }
 */

import { TunebookError } from '../../core/errors.js';

/** A stored JSON value that does not parse: the db was damaged or edited by hand. */
export class StoredJsonError extends TunebookError {
  constructor(where: string, problem: string) {
    super('E_STORE_JSON', `damaged JSON in ${where} (${problem})`);
  }
}

const TAG = '$num';
const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** `undefined` is stored as JSON null, like a missing value. */
export function encodeJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : v,
  );
  return text ?? 'null';
}

/** `where` names the column and row for the error when the text is not JSON. */
export function decodeJson(text: string | null, where = 'a stored value'): unknown {
  if (text === null) return null;
  try {
    return parse(text);
  } catch (error) {
    throw new StoredJsonError(where, (error as Error).message);
  }
}

function parse(text: string): unknown {
  // The reviver costs a call per value; most rows hold no non-finite number at all.
  if (!text.includes(`"${TAG}"`)) return JSON.parse(text);
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (
        keys.length === 1 &&
        keys[0] === TAG &&
        typeof v[TAG] === 'string' &&
        Object.hasOwn(NON_FINITE, v[TAG])
      )
        return NON_FINITE[v[TAG]];
    }
    return v;
  });
}
