/**
 * Which trials to run. Every arm starts at `minSeeds` seeds (seed values 0, 1, ...), all arms
 * at the same seeds so that trials pair by seed. An arm's verdict follows a sequential rule:
 * walk its seeds in order, and after each paired seed (from `minSeeds` on) classify the
 * effect of the seeds so far; the first decided verdict is the arm's verdict, and seeds
 * beyond that point are not looked at. While the rule is undecided, the arm needs its next
 * seed, and the baseline needs that seed too; seed values stop at `maxSeeds` (a failed
 * trial uses up its seed). Clear cases stop early: that is the saving over running
 * `maxSeeds` everywhere.
 *
 * Because the verdict only ever reads the prefix the sequential rule reached, trials run
 * ahead of time on idle workers (`speculativeTrials`) cannot change it: a study gives the
 * same verdicts whatever the number of workers, the order trials finish in, or a resume.
 *
 * Pure: no TensorFlow.js, no store. The runner feeds it what has finished.
 *
 * @example
 *   const wanted = plannedTrials(arms, { minSeeds: 3, maxSeeds: 6, delta: 0.5 });
 *   const extra = speculativeTrials(arms, { minSeeds: 3, maxSeeds: 6, delta: 0.5 }, idleWorkers);
 */
import { classify, type Effect, effectOf, type Verdict } from './stats/verdict.js';

export interface ArmProgress {
  key: string;
  /** Finished seeds and their score (metric as a fraction). */
  scores: ReadonlyMap<number, number>;
  /** Seeds queued or running. */
  pending: ReadonlySet<number>;
  /** Seeds whose trial failed (crash, out of memory): they use up their seed. */
  failed?: ReadonlySet<number>;
}

export interface PlanOptions {
  minSeeds: number;
  maxSeeds: number;
  /** Smallest effect worth caring about, in percentage points. */
  delta: number;
  /** Confidence level of the interval at each look (default 0.95). */
  level?: number;
}

export interface ArmStatus {
  key: string;
  verdict: Verdict;
  /** The effect over the seeds the sequential rule has read (for a decided arm: up to its decision). */
  effect: Effect;
  /** The seed the rule waits for while undecided; null when decided or out of seeds. */
  waitingFor: number | null;
}

/** The sequential verdict of one arm against the baseline. */
export function sequentialStatus(
  arm: ArmProgress,
  baseline: ArmProgress,
  options: PlanOptions,
): ArmStatus {
  const seeds: number[] = [];
  const differences: number[] = [];
  const current = () =>
    effectOf({ seeds: [...seeds], differences: [...differences] }, options.level ?? 0.95);
  for (let s = 0; s < options.maxSeeds; s++) {
    if (arm.failed?.has(s) || baseline.failed?.has(s)) continue;
    const a = arm.scores.get(s);
    const b = baseline.scores.get(s);
    if (a === undefined || b === undefined)
      return { key: arm.key, verdict: 'undecided', effect: current(), waitingFor: s };
    seeds.push(s);
    differences.push(100 * (a - b));
    if (seeds.length < options.minSeeds) continue;
    const verdict = classify(current(), options.delta, false);
    if (verdict !== 'undecided')
      return { key: arm.key, verdict, effect: current(), waitingFor: null };
  }
  const effect = current();
  return { key: arm.key, verdict: classify(effect, options.delta, true), effect, waitingFor: null };
}

/** The verdict of each non-baseline arm from what has finished. */
export function armStatuses(arms: ArmProgress[], options: PlanOptions): ArmStatus[] {
  const baseline = baselineOf(arms);
  return arms
    .filter((a) => a.key !== 'baseline')
    .map((a) => sequentialStatus(a, baseline, options));
}

/**
 * Every (arm, seed) the study needs so far: the first `minSeeds` seeds everywhere, the seeds
 * already finished, and for each undecided arm the seed its rule waits for (with the
 * baseline's). Pending trials outside this set are speculative.
 */
export function plannedTrials(arms: ArmProgress[], options: PlanOptions): Map<string, number[]> {
  const wanted = new Map<string, Set<number>>();
  const want = (key: string, seed: number) => {
    const set = wanted.get(key) ?? new Set<number>();
    set.add(seed);
    wanted.set(key, set);
  };
  for (const arm of arms) {
    for (let s = 0; s < Math.min(options.minSeeds, options.maxSeeds); s++) want(arm.key, s);
    for (const s of arm.scores.keys()) want(arm.key, s);
  }
  for (const status of armStatuses(arms, options)) {
    if (status.waitingFor === null) continue;
    want(status.key, status.waitingFor);
    want('baseline', status.waitingFor);
  }
  return new Map([...wanted].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

/**
 * Trials worth starting on idle workers before anyone asks for them: the next seeds of arms
 * that are still undecided (and the baseline's, which every such arm pairs with), nearest
 * seed first, then the arm whose effect is least settled (smallest |mean| / standard error).
 * Returns at most `idle` (arm, seed) pairs that are neither finished, failed nor pending,
 * and not in `planned`.
 */
export function speculativeTrials(
  arms: ArmProgress[],
  options: PlanOptions,
  idle: number,
  planned: Map<string, number[]> = plannedTrials(arms, options),
): { arm: string; seed: number }[] {
  if (idle <= 0) return [];
  const taken = (a: ArmProgress, s: number) =>
    a.scores.has(s) || a.pending.has(s) || !!a.failed?.has(s) || !!planned.get(a.key)?.includes(s);
  const undecided = armStatuses(arms, options).filter((s) => s.verdict === 'undecided');
  const candidates: { arm: string; seed: number; order: number }[] = [];
  for (const status of undecided) {
    const arm = arms.find((a) => a.key === status.key)!;
    const settled = unsettledness(status.effect);
    for (let s = status.waitingFor ?? 0; s < options.maxSeeds; s++)
      if (!taken(arm, s)) candidates.push({ arm: arm.key, seed: s, order: settled });
  }
  const baseline = baselineOf(arms);
  const deepest = Math.max(-1, ...candidates.map((c) => c.seed));
  for (let s = 0; s <= deepest; s++)
    if (!taken(baseline, s)) candidates.push({ arm: 'baseline', seed: s, order: -1 });
  candidates.sort((x, y) => x.seed - y.seed || x.order - y.order);
  return candidates.slice(0, idle).map(({ arm, seed }) => ({ arm, seed }));
}

/** Smaller is less settled: |mean| in standard errors (0 while fewer than 2 seeds). */
function unsettledness(effect: Effect): number {
  if (effect.n < 2 || !(effect.sd > 0)) return 0;
  return Math.abs(effect.mean) / (effect.sd / Math.sqrt(effect.n));
}

function baselineOf(arms: ArmProgress[]): ArmProgress {
  const baseline = arms.find((a) => a.key === 'baseline');
  if (!baseline) throw new Error('planner: no baseline arm');
  return baseline;
}

/** Trials run against `maxSeeds` on every arm: the fraction of trials adaptive seeding saved. */
export function seedSavings(trialsRun: number, arms: number, maxSeeds: number): number {
  const full = arms * maxSeeds;
  return full > 0 ? 1 - trialsRun / full : 0;
}
