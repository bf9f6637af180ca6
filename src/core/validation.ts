/**
 * The one validation kit: zod building blocks whose messages say what was expected, the
 * formatting of a failed parse as one line (`measures[2].dropout.rate: expected a number in
 * [0, 1), got 1.5`), and "did you mean" for misspelt keys and names. Every component declares
 * its options with these blocks once; its constructor and the study schema both parse with
 * that declaration, so `tunebook validate` refuses exactly what a trial would.
 *
 * @example
 *   const Options = record({ rate: num(0, 1, { max: true }), where: oneOf(['head', 'tail']) });
 *   const o = parseOptions(Options, raw, 'model.dropout'); // ConfigError naming the field
 */
import { z } from 'zod';
import { ConfigError, describeValue } from './errors.js';

/** An integer in [min, max] (max optional). */
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

/** One of an `as const` list. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

export function text(expected = 'a non-empty string') {
  return z.string({ error: expected }).min(1, { error: expected });
}

export function bool() {
  return z.boolean({ error: 'true or false' });
}

/**
 * A strict mapping: a key it does not declare is an error naming the key and, when one is
 * near, the declared key it was probably meant to be (a misspelt option would otherwise be
 * a silent no-op).
 */
export function record<T extends z.ZodRawShape>(shape: T, what = 'a mapping (key: value)') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known) : what,
  });
}

/** `unknown setting (did you mean "channels"?)`, or the list of known keys when none is near. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const guess = keys.length === 1 ? closest(keys[0], known) : null;
  const plural = keys.length > 1 ? 's' : '';
  if (guess) return `unknown setting${plural} (did you mean ${guess}?)`;
  if (known.length === 0) return `unknown setting${plural} (none is taken here)`;
  return `unknown setting${plural} (expected ${known.join(', ')})`;
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (insert, delete, substitute). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * One of an allowed list, checked in code that reads values one at a time (saved JSON,
 * function arguments): a ConfigError naming the field, with a did-you-mean when one is near.
 */
export function choice<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const guess = typeof value === 'string' ? closest(value, allowed) : null;
    const hint = guess ? ` (did you mean ${guess}?)` : '';
    throw new ConfigError(field, `one of ${allowed.join(', ')}${hint}`, value);
  }
  return value as T;
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

type Issue = z.core.$ZodIssue;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** The most specific issue: inside unions, the branch whose problem lies deepest. */
function specific(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || issue.errors.length === 0)
    return issue;
  let best: Issue = issue;
  let bestDepth = -1;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const resolved = specific({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
      // A branch that took the value's shape but found an unknown key in it says more than
      // one that failed on the value's type (which says nothing about what was meant).
      const depth =
        resolved.path.length -
        issue.path.length +
        (resolved.code === 'unrecognized_keys' ? 0.5 : 0);
      if (depth > 0 && depth > bestDepth) {
        best = resolved;
        bestDepth = depth;
      }
    }
  }
  return best;
}

/**
 * A custom issue whose message is already a whole line after the path (`: unknown measure
 * ...`, or a component's own error): `params.line` holds it.
 */
export function lineIssue(
  path: PropertyKey[],
  line: string,
): { code: 'custom'; path: PropertyKey[]; message: string; params: { line: string } } {
  return { code: 'custom', path, message: line, params: { line } };
}

function join(prefix: string, path: readonly PropertyKey[]): string {
  const rest = formatPath(path);
  if (rest === '(top level)') return prefix || rest;
  if (!prefix) return rest;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** One line for one issue, the path under `prefix` (e.g. `model.dropout`). */
export function describeIssue(issue: Issue, input: unknown, prefix = ''): string {
  const it = specific(issue);
  const field = join(prefix, it.path);
  const params = (it as { params?: { line?: string; tail?: string } }).params;
  // A component's own message, already naming what lies below this path (`[1].x: ...`).
  if (it.code === 'custom' && params?.tail !== undefined) return `${field}${params.tail}`;
  if (it.code === 'custom' && params?.line !== undefined) return `${field}: ${params.line}`;
  if (it.code === 'unrecognized_keys') {
    const keys = it.keys.map((k) => join(field === '(top level)' ? '' : field, [k]));
    return `${keys.join(', ')}: ${it.message}`;
  }
  const value = valueAt(input, it.path);
  if (value === undefined && (it.code === 'invalid_type' || it.code === 'invalid_union'))
    return `${field}: missing; expected ${it.message}`;
  return `${field}: expected ${it.message}, got ${describeValue(value)}`;
}

/**
 * One line for the first issue, with a count of the others. An unknown key goes first: a
 * misspelt key is the likelier cause of the "missing" one beside it.
 */
export function describeIssues(issues: readonly Issue[], input: unknown, prefix = ''): string {
  const lead = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  const first = describeIssue(lead, input, prefix);
  return issues.length > 1
    ? `${first} (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
    : first;
}

/** Bad options of a component (a ConfigError): the message is the whole line, field first. */
export class OptionsError extends ConfigError {
  constructor(line: string) {
    super('', '', undefined);
    this.message = line;
  }
}

/**
 * Parses a component's options with its schema: the parsed (defaults filled) value, or an
 * OptionsError whose one line names the field under `field`.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  field: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new OptionsError(describeIssues(parsed.error.issues, value, field));
  return parsed.data;
}
