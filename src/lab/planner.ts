/**
 * Which trials to run: every arm starts at `minSeeds` seeds (seed values 0, 1, ...), all arms
 * at the same seeds so that trials pair by seed. While an arm's verdict is undecided and it
 * has fewer than `maxSeeds` paired seeds, it gets one more seed, and the baseline gets that
 * seed too. Clear cases stop early; that is the saving over running `maxSeeds` everywhere.
 *
 * Pure: no TensorFlow.js, no store. The runner feeds it what has finished.
 *
 * @example
 *   const wanted = plannedTrials(arms, { minSeeds: 3, maxSeeds: 6, delta: 0.5 });
 */
import { type Effect, pairedDifferences, type Verdict, verdictFor } from './stats/verdict.js';

export interface ArmProgress {
  key: string;
  /** Finished seeds and their score (metric as a fraction). */
  scores: ReadonlyMap<number, number>;
  /** Seeds queued or running. */
  pending: ReadonlySet<number>;
}

export interface PlanOptions {
  minSeeds: number;
  maxSeeds: number;
  /** Smallest effect worth caring about, in percentage points. */
  delta: number;
}

export interface ArmStatus {
  key: string;
  verdict: Verdict;
  effect: Effect;
}

/** The verdict of each non-baseline arm from what has finished. */
export function armStatuses(arms: ArmProgress[], options: PlanOptions): ArmStatus[] {
  const baseline = arms.find((a) => a.key === 'baseline');
  if (!baseline) throw new Error('planner: no baseline arm');
  return arms
    .filter((a) => a.key !== 'baseline')
    .map((arm) => {
      const paired = pairedDifferences(arm.scores, baseline.scores);
      const { effect, verdict } = verdictFor(paired, {
        delta: options.delta,
        budgetSpent: paired.seeds.length >= options.maxSeeds,
      });
      return { key: arm.key, verdict, effect };
    });
}

/** Every (arm, seed) the study needs so far, given what has finished and what is pending. */
export function plannedTrials(arms: ArmProgress[], options: PlanOptions): Map<string, number[]> {
  const wanted = new Map<string, Set<number>>();
  const want = (key: string, seed: number) => {
    const set = wanted.get(key) ?? new Set<number>();
    set.add(seed);
    wanted.set(key, set);
  };
  for (const arm of arms) {
    for (let s = 0; s < options.minSeeds; s++) want(arm.key, s);
    for (const s of arm.scores.keys()) want(arm.key, s);
    for (const s of arm.pending) want(arm.key, s);
  }
  const baseline = arms.find((a) => a.key === 'baseline');
  if (!baseline) throw new Error('planner: no baseline arm');
  for (const status of armStatuses(arms, options)) {
    if (status.verdict !== 'undecided') continue;
    const arm = arms.find((a) => a.key === status.key)!;
    const armSeeds = wanted.get(arm.key)!;
    // Wait for running seeds to report before asking for more.
    if ([...armSeeds].some((s) => !arm.scores.has(s) || !baseline.scores.has(s))) continue;
    if (armSeeds.size >= options.maxSeeds) continue;
    const next = Math.max(...armSeeds) + 1;
    want(arm.key, next);
    want('baseline', next);
  }
  return new Map([...wanted].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

/** Trials run against `maxSeeds` on every arm: the fraction of trials adaptive seeding saved. */
export function seedSavings(trialsRun: number, arms: number, maxSeeds: number): number {
  const full = arms * maxSeeds;
  return full > 0 ? 1 - trialsRun / full : 0;
}
