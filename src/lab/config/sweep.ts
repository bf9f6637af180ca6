/**
 * Sweeps: a measure may give a list where it takes one value, and becomes one arm per value.
 * `dropout: { rate: [0.1, 0.3, 0.5] }` sweeps a field, `classWeights: [balanced, effective]`
 * or `extraDense: [[128], [256, 128]]` the whole value. A value the measure's own schema
 * already takes is never a sweep (`extraDense: [256, 128]` is two layers, `classWeights:
 * [1, 3]` manual weights); otherwise the list is expanded and each value checked by the same
 * component schema, an error naming the value's index.
 *
 * @example
 *   findSweep(Dropout, { rate: [0.1, 0.3], where: 'head' });
 *   // { at: ['rate'], values: [{ rate: 0.1, where: 'head' }, { rate: 0.3, where: 'head' }] }
 */
import type { z } from 'zod';

/** A measure's sweep: where the list was (`[]`: the whole value) and the expanded values. */
export interface Sweep {
  at: string[];
  values: unknown[];
}

export interface SweepIssue {
  path: PropertyKey[];
  message: string;
  /** The original zod issue, re-pathed. */
  issue: z.core.$ZodIssue;
}

/**
 * The sweep a value holds, each expansion parsed by `schema`; null when it holds none (the
 * caller reports the value's own issues). Issues of expanded values are pathed through the
 * list index: `rate[1]`, or `[1]` for a whole-value list.
 */
export function findSweep(
  schema: z.ZodType,
  value: unknown,
): { sweep: Sweep; issues: z.core.$ZodIssue[] } | null {
  const candidates: { at: string[]; list: unknown[]; make: (v: unknown) => unknown }[] = [];
  if (Array.isArray(value) && value.length >= 1) {
    candidates.push({ at: [], list: value, make: (v) => v });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v) && v.length >= 1)
        candidates.push({ at: [k], list: v, make: (x) => ({ ...value, [k]: x }) });
    }
  }
  let best: { sweep: Sweep; issues: z.core.$ZodIssue[] } | null = null;
  for (const c of candidates) {
    const values: unknown[] = [];
    const issues: z.core.$ZodIssue[] = [];
    c.list.forEach((item, i) => {
      const parsed = schema.safeParse(c.make(item));
      if (parsed.success) values.push(parsed.data);
      else for (const issue of parsed.error.issues) issues.push(repath(issue, c.at, i));
    });
    // The candidate with most good values is what was meant (all good: the sweep).
    const better =
      !best ||
      values.length > best.sweep.values.length ||
      (values.length === best.sweep.values.length && issues.length < best.issues.length);
    if (better) best = { sweep: { at: c.at, values }, issues };
    if (issues.length === 0) break;
  }
  // A list of which no value parses is not a sweep: the value's own issues say more.
  if (best && best.sweep.values.length === 0) return null;
  return best;
}

/** An expanded value's issue, pathed through the list: `[field, index, ...rest]`. */
function repath(issue: z.core.$ZodIssue, at: string[], index: number): z.core.$ZodIssue {
  const path = [...issue.path];
  const inside = at.length === 0 ? [] : path[0] === at[0] ? path.splice(0, 1) : at;
  return { ...issue, path: [...inside, index, ...path] } as z.core.$ZodIssue;
}

/** How a swept arm is labelled: by its value (`rate 0.3`, `balanced`, `[256, 128]`). */
export function sweepValueLabel(sweep: Sweep, value: unknown, brief: (v: unknown) => string) {
  let v = value;
  for (const k of sweep.at) v = (v as Record<string, unknown>)[k];
  return sweep.at.length ? `${sweep.at.join('.')} ${brief(v)}` : brief(v);
}

/** The swept value alone (the number on a dose-response plot's axis, when it is one). */
export function sweptValue(sweep: Sweep, value: unknown): unknown {
  let v = value;
  for (const k of sweep.at) v = (v as Record<string, unknown>)[k];
  return v;
}
