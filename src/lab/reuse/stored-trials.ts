/**
 * Trials as reusable evidence in the store: each trained trial records its key, and a trial
 * with a key already in the store takes that trial's outcome and epochs instead of training.
 * The key and the trial it copies are kept in the trial's result JSON (`trialKey`,
 * `reusedFrom`), which every store engine already keeps; the store's own `key` and
 * `reusedFrom` columns are read first where an engine has them.
 */
import type { EpochRow, Store, TrialRow } from '../store/store.js';
import { reusedFromOf } from './evidence.js';

export type StoredTrial = TrialRow & { key?: string | null; reusedFrom?: number | null };

/** The trial's key: the store's column, else the one recorded in its result. */
export function keyOfTrial(t: StoredTrial): string | null {
  if (t.key) return t.key;
  const k = (t.result as { trialKey?: unknown } | null)?.trialKey;
  return typeof k === 'string' ? k : null;
}

const finished = (t: TrialRow) => t.state === 'done' || t.state === 'diverged';

/** A finished trial to copy from, with how to read its epochs. */
export interface Source {
  trial: StoredTrial;
  epochs: () => EpochRow[];
}

/**
 * Every finished original (not itself reused) trial with a key, in any study but `except`,
 * by key; the oldest wins, so copies of copies all point at the training itself.
 */
export function indexStore(store: Store, except?: number): Map<string, Source> {
  const index = new Map<string, Source>();
  for (const study of store.listStudies()) {
    if (study.id === except) continue;
    for (const t of store.trials(study.id) as StoredTrial[]) {
      const key = keyOfTrial(t);
      if (!key || !finished(t) || reusedFromOf(t) !== null || index.has(key)) continue;
      index.set(key, { trial: t, epochs: () => store.epochs(t.id) });
    }
  }
  return index;
}

/** A study's finished trials by key, epochs read now: kept in memory across its re-creation. */
export function snapshotStudy(store: Store, studyId: number): Map<string, Source> {
  const epochs = store.epochsForStudy(studyId);
  const out = new Map<string, Source>();
  for (const t of store.trials(studyId) as StoredTrial[]) {
    const key = keyOfTrial(t);
    if (!key || !finished(t) || out.has(key)) continue;
    const rows = epochs.get(t.id) ?? [];
    out.set(key, { trial: t, epochs: () => rows });
  }
  return out;
}

/**
 * `trialId` (queued) takes `source`'s outcome and epochs. `reusedFrom` is the original
 * training's id, or null when the source is the edited study's own trial that is going away
 * (the copy becomes the original evidence).
 */
export function copyTrial(
  store: Store,
  trialId: number,
  source: Source,
  key: string,
  reusedFrom: number | null,
): void {
  const t = source.trial;
  const result = { ...((t.result as object | null) ?? {}), trialKey: key } as Record<
    string,
    unknown
  >;
  if (reusedFrom === null) delete result.reusedFrom;
  else result.reusedFrom = reusedFrom;
  store.finishTrial(trialId, {
    state: t.state as 'done' | 'diverged',
    seconds: t.seconds,
    metrics: t.metrics,
    result,
    error: null,
    epochs: source.epochs(),
  });
}
