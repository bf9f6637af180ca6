/**
 * Trials as reusable evidence in the store: each trial is created with its key (the store's
 * `key` column), and a trial whose key a finished trial already has takes that trial's
 * outcome and epochs instead of training (`findByKey`, `reuseTrial`, which point the copy at
 * the original training in `reusedFrom`). An edited study's own trials are kept in memory
 * while the study is re-created (`snapshotStudy`) and copied back with `finishTrial`.
 */
import type { EpochRow, Store, TrialRow } from '../store/store.js';

const finished = (t: TrialRow) => t.state === 'done' || t.state === 'diverged';

/** A finished trial kept in memory, with its epochs. */
export interface Source {
  trial: TrialRow;
  epochs: EpochRow[];
}

/** A study's finished trials by key, epochs read now: kept across the study's re-creation. */
export async function snapshotStudy(store: Store, studyId: number): Promise<Map<string, Source>> {
  const epochs = await store.epochsForStudy(studyId);
  const out = new Map<string, Source>();
  for (const t of await store.trials(studyId)) {
    if (!t.key || !finished(t) || out.has(t.key)) continue;
    out.set(t.key, { trial: t, epochs: epochs.get(t.id) ?? [] });
  }
  return out;
}

/**
 * `trialId` (queued) takes `source`'s outcome and epochs: the source's own trial is gone (its
 * study was re-created), so the copy is the evidence now, original or a copy as it was.
 */
export async function restoreTrial(store: Store, trialId: number, source: Source): Promise<void> {
  const t = source.trial;
  if (t.reusedFrom !== null && (await store.trial(t.reusedFrom))) {
    await store.reuseTrial(trialId, t.reusedFrom);
    return;
  }
  await store.finishTrial(trialId, {
    state: t.state as 'done' | 'diverged',
    seconds: t.seconds,
    metrics: t.metrics,
    result: t.result,
    error: null,
    epochs: source.epochs,
  });
}
