/**
 * When a study is created (new, or re-created from an edited file), every (arm, seed) up to
 * maxSeeds whose key a finished trial already has takes that trial's outcome instead of
 * training: the oldest original in the db first (`findByKey`: another study's, or one that
 * a study deleted by an edit left as the original), else the edited study's own trial.
 * Trials beyond the seeds a verdict reads cost nothing and change no verdict (the sequential
 * rule reads seeds in order), so all maxSeeds are looked up at once.
 */
import type { ArmRow, Store } from '../store/store.js';
import { restoreTrial, type Source } from './stored-trials.js';

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

export async function reuseTrials(target: ReuseTarget, own: Map<string, Source>): Promise<Reused> {
  const { store, studyId } = target;
  const out: Reused = { trials: 0, seconds: 0, fromOtherStudies: 0 };
  for (const arm of target.arms) {
    for (let seed = 0; seed < target.maxSeeds; seed++) {
      const key = target.keyOf(arm, seed);
      const mine = own.get(key);
      const found = await store.findByKey(key);
      // A trial of this study itself (a duplicate arm's, trained this run) is not reused.
      const other = found && found.studyId !== studyId ? found : null;
      if (!other && !mine) continue;
      const row = await store.ensureTrial(arm.id, seed, { key });
      if (row.state !== 'queued') continue;
      if (other) await store.reuseTrial(row.id, other.id);
      else await restoreTrial(store, row.id, mine!);
      // Each old trial stands in once: a duplicate arm trains its own seeds.
      own.delete(key);
      out.trials++;
      out.seconds += (other ?? mine!.trial).seconds ?? 0;
      if (!mine) out.fromOtherStudies++;
    }
  }
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
