/**
 * Turns schema issues into one line a person can act on: the field's path, what was
 * expected, what was received. For a union (a setting with several accepted forms) the
 * deepest failing branch is reported, so `measures[2].dropout.rate` is blamed rather than
 * "not a valid measure".
 */
import type { z } from 'zod';
import { describeValue } from '../../core/errors.js';
import { formatPath } from './fields.js';

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
      const depth = resolved.path.length - issue.path.length;
      // A branch that failed on the value's type says nothing about what was meant.
      if (depth > 0 && depth > bestDepth) {
        best = resolved;
        bestDepth = depth;
      }
    }
  }
  return best;
}

export function describeIssue(issue: Issue, input: unknown): string {
  const it = specific(issue);
  const field = formatPath(it.path);
  if (it.code === 'unrecognized_keys') {
    const keys = it.keys.map((k) => (field === '(top level)' ? k : `${field}.${k}`));
    return `${keys.join(', ')}: unknown setting${keys.length > 1 ? 's' : ''}`;
  }
  const value = valueAt(input, it.path);
  if (value === undefined && it.code === 'invalid_type')
    return `${field}: missing; expected ${it.message}`;
  return `${field}: expected ${it.message}, got ${describeValue(value)}`;
}

/** One line for the first issue, with a count of the others. */
export function describeIssues(issues: readonly Issue[], input: unknown): string {
  const first = describeIssue(issues[0], input);
  return issues.length > 1
    ? `${first} (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
    : first;
}
