/**
 * When a study is created (new, or re-created from an edited file), every (arm, seed) up to
 * maxSeeds whose key a finished trial already has takes that trial's outcome instead of
 * training: first the edited study's own trials, then any other study's in the same db.
 * Trials beyond the seeds a verdict reads cost nothing and change no verdict (the
 * sequential rule reads seeds in order), so all maxSeeds are looked up at once.
 */
import type { ArmRow, Store } from '../store/store.js';
import { reusedFromOf } from './evidence.js';
import { copyTrial, indexStore, type Source } from './stored-trials.js';

export interface ReuseTarget {
  store: Store;
  studyId: number;
  arms: readonly ArmRow[];
  maxSeeds: number;
  /** The key of an arm's trial at a seed (trial-key.ts). */
  keyOf(arm: ArmRow, seed: number): string;
}

export interface Reused {
  trials: number;
  /** Training seconds the reused trials took when they ran. */
  seconds: number;
  fromOtherStudies: number;
}

export function reuseTrials(target: ReuseTarget, own: Map<string, Source>): Reused {
  const { store, studyId } = target;
  let others: Map<string, Source> | null = null;
  const out: Reused = { trials: 0, seconds: 0, fromOtherStudies: 0 };
  store.transaction(() => {
    for (const arm of target.arms) {
      for (let seed = 0; seed < target.maxSeeds; seed++) {
        const key = target.keyOf(arm, seed);
        const mine = own.get(key);
        others ??= mine ? null : indexStore(store, studyId);
        const source = mine ?? others?.get(key);
        if (!source) continue;
        // Each old trial stands in once: a duplicate arm trains its own seeds.
        own.delete(key);
        const row = store.ensureTrial(arm.id, seed);
        if (row.state !== 'queued') continue;
        const origin = mine ? reusedFromOf(source.trial) : source.trial.id;
        copyTrial(store, row.id, source, key, origin);
        out.trials++;
        out.seconds += source.trial.seconds ?? 0;
        if (!mine) out.fromOtherStudies++;
      }
    }
  });
  return out;
}

/** "reused 62 trials, 0 h 9 min saved; 14 to run". */
export function describeReuse(reused: Reused, toRun: number): string {
  const minutes = Math.round(reused.seconds / 60);
  const saved = `${Math.floor(minutes / 60)} h ${minutes % 60} min saved`;
  const others = reused.fromOtherStudies
    ? ` (${reused.fromOtherStudies} from other studies in this db)`
    : '';
  return `reused ${reused.trials} trials${others}, ${saved}; ${toRun} to run`;
}
