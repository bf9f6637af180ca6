/**
 * Reused trials are shared evidence: a trial copied into another study (or into the edited
 * study) is the same training, so whatever combines studies must count it once. The
 * notebook does so by grouping the studies that share trials (lab/notebook-links.ts).
 *
 * @example
 *   reusedFromOf({ id: 7, reusedFrom: 1 }); // 1
 */

/** What the rule needs of a trial: its id and the trial it reuses (stored or in `result`). */
export interface Evidence {
  id: number;
  reusedFrom?: number | null;
  result?: unknown;
}

/** The trial a reused one copies (the store's column, or the copy's `result.reusedFrom`). */
export function reusedFromOf(t: Evidence): number | null {
  if (t.reusedFrom != null) return t.reusedFrom;
  const r = (t.result as { reusedFrom?: unknown } | null | undefined)?.reusedFrom;
  return typeof r === 'number' ? r : null;
}
