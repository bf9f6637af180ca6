/**
 * A study and its calibration share baseline trials: `tunebook calibrate` stores the
 * baseline at seeds 0..K-1 as the study `<name>.calibration`, and when `tunebook study` opens
 * `<name>` (or calibrate opens `<name>.calibration` after the study ran) the other's finished
 * baseline trials at seeds it plans count as its own baseline seeds, without training again.
 *
 * Matching, kept simple and local: the same store, the partner study by name, the baseline
 * arms' trial settings equal (the hash of `data`, `model` and `training`, the only sections a
 * trial reads; paths resolved by preflight on both sides), and the same seed (the baseline
 * trains at its seed number on both sides). Only finished (done or diverged) originals are
 * taken, never a copy of a copy. The copy keeps the original's metrics, result and epochs and
 * records `result.reusedFrom` (the original's trial id and study), so the notebook can count
 * it once. The store-async branch's `reuseTrial`/`reusedFrom` column and the general trial
 * keys of issue 13 (branch `iterate`) are meant to replace this matching when merged.
 *
 * @example
 *   const adopted = adoptPartnerBaseline(store, studyId, 'mnist-tricks', baselineRow, 8);
 */
import { hashConfig } from './config/load.js';
import type { StudyConfig } from './config/schema.js';
import type { ArmRow, Store, TrialRow } from './store/store.js';

const SUFFIX = '.calibration';

/** The name `tunebook calibrate` stores a study's calibration under. */
export function calibrationName(study: string): string {
  return `${study}${SUFFIX}`.slice(0, 100);
}

/** The study whose baseline trials this one may share: the calibration, or its study. */
export function partnerName(study: string): string | null {
  if (study.endsWith(SUFFIX)) return study.slice(0, -SUFFIX.length) || null;
  const name = calibrationName(study);
  return name.endsWith(SUFFIX) ? name : null;
}

/** What decides a trial's outcome besides its seed: the sections a trial reads. */
export function trialSettingsHash(config: unknown): string {
  const c = (config ?? {}) as Partial<StudyConfig>;
  return hashConfig({ data: c.data, model: c.model, training: c.training });
}

/** Where a reused trial's outcome came from (in its result JSON). */
export interface ReusedFrom {
  trial: number;
  study: string;
}

export function reusedFromOf(trial: Pick<TrialRow, 'result'>): ReusedFrom | null {
  const from = (trial.result as { reusedFrom?: ReusedFrom } | null)?.reusedFrom;
  return from && typeof from.trial === 'number' ? from : null;
}

/**
 * Copies the partner study's finished baseline trials at seeds below `maxSeeds` into this
 * study's baseline, where this study has none finished. Returns the seeds adopted and from
 * which study.
 */
export async function adoptPartnerBaseline(
  store: Store,
  studyId: number,
  name: string,
  baseline: ArmRow,
  maxSeeds: number,
): Promise<{ study: string; seeds: number[] } | null> {
  const partner = partnerName(name);
  const other = partner ? await store.findStudy(partner) : null;
  if (!partner || !other) return null;
  const otherBaseline = (await store.arms(other.id)).find((a) => a.key === 'baseline');
  if (
    !otherBaseline ||
    trialSettingsHash(otherBaseline.config) !== trialSettingsHash(baseline.config)
  )
    return null;
  const mine = new Map(
    (await store.trials(studyId)).filter((t) => t.armKey === 'baseline').map((t) => [t.seed, t]),
  );
  const sources = (await store.trials(other.id)).filter(
    (t) =>
      t.armKey === 'baseline' &&
      t.seed < maxSeeds &&
      (t.state === 'done' || t.state === 'diverged') &&
      !reusedFromOf(t),
  );
  const seeds: number[] = [];
  await store.transaction(async (tx) => {
    for (const source of sources) {
      const existing = mine.get(source.seed);
      if (existing && existing.state !== 'queued') continue;
      const target = existing ?? (await tx.ensureTrial(baseline.id, source.seed));
      await copyTrial(tx, target.id, source, partner);
      seeds.push(source.seed);
    }
  });
  return seeds.length ? { study: partner, seeds } : null;
}

/** The original's outcome and epochs on a queued trial, with where they came from. */
async function copyTrial(
  store: Store,
  targetId: number,
  source: TrialRow,
  study: string,
): Promise<void> {
  const result = {
    ...((source.result as object | null) ?? {}),
    reusedFrom: { trial: source.id, study },
  };
  await store.finishTrial(targetId, {
    state: source.state as 'done' | 'diverged',
    seconds: source.seconds,
    metrics: source.metrics,
    result,
    error: source.error,
    epochs: await store.epochs(source.id),
  });
}
