/**
 * Reused trials are shared evidence: a trial copied into another study (or into the edited
 * study) is the same training, so whatever combines studies must count it once. These pure
 * functions are the rule, for the notebook (or anything else combining studies) to call.
 *
 * @example
 *   distinctEvidence([{ id: 1, reusedFrom: null }, { id: 7, reusedFrom: 1 }]); // [{ id: 1, ... }]
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

/** The training a trial's numbers come from: its own id, or the id of the trial it reuses. */
export function originOf(t: Evidence): number {
  return reusedFromOf(t) ?? t.id;
}

/** The first trial of each origin, in the given order: each training counted once. */
export function distinctEvidence<T extends Evidence>(trials: readonly T[]): T[] {
  const seen = new Set<number>();
  return trials.filter((t) => {
    const o = originOf(t);
    if (seen.has(o)) return false;
    seen.add(o);
    return true;
  });
}

/** One seed's paired difference of a measure in one study: its arm and baseline trials. */
export interface PairedEvidence<P = unknown> {
  arm: Evidence;
  baseline: Evidence;
  payload: P;
}

/**
 * Pairs of one measure across studies (in the order given, oldest study first), keeping a
 * pair only if its arm trial's training was not already counted in a kept pair. A new study
 * that reuses another's arm trials adds nothing independent; one that reuses only the
 * baseline (a different measure, or new seeds of this one) adds its own arm trainings, whose
 * differences share the baseline's noise with the other study but are new evidence about the
 * arm: they are kept, as the paired design of one study already shares its baseline.
 */
export function independentPairs<P>(pairs: readonly PairedEvidence<P>[]): PairedEvidence<P>[] {
  const counted = new Set<number>();
  return pairs.filter((p) => {
    const o = originOf(p.arm);
    if (counted.has(o)) return false;
    counted.add(o);
    return true;
  });
}

/** How many of `b`'s trials are the same trainings as some of `a`'s (0 when independent). */
export function sharedTrainings(a: readonly Evidence[], b: readonly Evidence[]): number {
  const origins = new Set(a.map(originOf));
  return distinctEvidence(b).filter((t) => origins.has(originOf(t))).length;
}
