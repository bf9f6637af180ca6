/**
 * Which studies share trials, for the notebook's independence: a trial that reused another
 * study's trial (its outcome copied, not trained again) makes the two studies' verdicts
 * dependent, so they must not count as two independent pieces of evidence.
 *
 * The record of reuse is the store's `reusedFrom` column (a trial id, set by `reuseTrial`
 * when a study takes a trial of the same key, lab/reuse); `reusedFromOf` reads it.
 *
 * @example
 *   notebookEntries(await store.allVerdicts(), await store.notes(), await sharedTrials(store));
 */
import type { SharedTrials } from './notebook.js';
import { reusedFromOf } from './reuse/evidence.js';
import type { Store } from './store/store.js';

/** A trial as read for links: its study's name and how it records reuse. */
export interface LinkTrial {
  id: number;
  study: string;
  result: unknown;
  /** The store's reuse column (store-async); absent on stores without it. */
  reusedFrom?: number | null;
}

/** Pairs (reusing study, original's study), each once, from the trials' reuse records. */
export function linksOf(trials: readonly LinkTrial[]): SharedTrials {
  const studyOf = new Map(trials.map((t) => [t.id, t.study]));
  const pairs = new Map<string, readonly [string, string]>();
  for (const t of trials) {
    const from = reusedFromOf(t);
    const original = from === null ? undefined : studyOf.get(from);
    if (original === undefined || original === t.study) continue;
    pairs.set(JSON.stringify([t.study, original]), [t.study, original]);
  }
  return [...pairs.values()];
}

/** Every study's trials read for their reuse records. */
export async function sharedTrials(store: Store): Promise<SharedTrials> {
  const trials: LinkTrial[] = [];
  for (const study of await store.listStudies())
    for (const t of await store.trials(study.id))
      trials.push({
        id: t.id,
        study: study.name,
        result: t.result,
        reusedFrom: t.reusedFrom,
      });
  return linksOf(trials);
}
