/**
 * Schema building blocks whose error messages say what was expected, so that a study-file
 * error reads `measures[2].dropout.rate: expected a number in [0, 1), got 1.5`: each check's
 * message is the "expected" phrase; `formatIssues` adds the path and the value received.
 */
import { z } from 'zod';

export function int(min: number, max?: number) {
  const expected = max === undefined ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  let s = z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
  if (max !== undefined) s = s.max(max, { error: expected });
  return s;
}

/** A finite number in a range; `open` marks which ends are excluded. */
export function num(min?: number, max?: number, open: { min?: boolean; max?: boolean } = {}) {
  const lo = min === undefined ? '' : `${open.min ? '(' : '['}${min}`;
  const hi = max === undefined ? '' : `${max}${open.max ? ')' : ']'}`;
  const expected =
    min !== undefined && max !== undefined
      ? `a number in ${lo}, ${hi}`
      : min !== undefined
        ? `a number ${open.min ? '>' : '>='} ${min}`
        : max !== undefined
          ? `a number ${open.max ? '<' : '<='} ${max}`
          : 'a number';
  let s = z.number({ error: expected }).finite({ error: expected });
  if (min !== undefined)
    s = open.min ? s.gt(min, { error: expected }) : s.min(min, { error: expected });
  if (max !== undefined)
    s = open.max ? s.lt(max, { error: expected }) : s.max(max, { error: expected });
  return s;
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

export function text(expected = 'a non-empty string') {
  return z.string({ error: expected }).min(1, { error: expected });
}

/** A strict object: unknown keys are errors naming the key. */
export function record<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, { error: 'a mapping (key: value)' });
}

/** `a.b[2].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][\w]*$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(top level)';
}
