/**
 * A study's class names (folder names, CSV label values), as its trials stored them with
 * their results, for charts and `verdicts --json`; null for studies stored before names were
 * kept, whose classes are shown by index.
 *
 * @example
 *   await studyClassNames(store, study); // ['cat', 'dog', 'fox']
 */
import type { Store, StudyRow, TrialRow } from '../lab/store/store.js';

/** The names of the first trial result that has them. */
export function classNamesOf(trials: readonly TrialRow[]): string[] | null {
  for (const t of trials) {
    const names = (t.result as { classNames?: unknown } | null)?.classNames;
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names;
  }
  return null;
}

export async function studyClassNames(store: Store, study: StudyRow): Promise<string[] | null> {
  return classNamesOf(await store.trials(study.id));
}
