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
import { criticalValues, type IntervalRule, STATED_ALPHA } from './stats/rules.js';
import {
  classify,
  type Effect,
  effectOf,
  guardedHalfWidth,
  intervalAt,
  type Verdict,
} from './stats/verdict.js';

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
  /** Confidence level of the interval at each look (default 0.95); studies without a `rule`. */
  level?: number;
  /**
   * The study's sequential rule (lab/stats/rules.ts). Left out: a study stored before rules
   * were recorded, read as it was then (a `level` interval at each look, no guards).
   */
  rule?: IntervalRule;
  /** Stated error per measure over all looks (default 0.05). */
  alpha?: number;
  /** One test example in percentage points: no interval is narrower (0: unknown). */
  resolution?: number;
  /** The fewest seeds a decisive verdict may come from. */
  minDecisive?: number;
  /**
   * `per-study`: Holm's step-down over the measure arms (not the baseline, control or stack):
   * every measure starts at alpha / m; each effective or harmful verdict passes its share on
   * to the rest, whose rules are read again at every look with the larger level (Maurer &
   * Bretz's sequentially rejective group-sequential tests), until nothing more is decided.
   */
  errorRate?: 'per-measure' | 'per-study';
}

/** Arms tested apart from the family of measures: the negative control and the stack. */
export const OUTSIDE_FAMILY = ['baseline', 'control', 'stack'] as const;

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
  alpha = options.alpha ?? STATED_ALPHA,
): ArmStatus {
  const seeds: number[] = [];
  const differences: number[] = [];
  const { rule, minSeeds, maxSeeds } = options;
  const minDecisive = options.minDecisive ?? 2;
  const critical = rule ? criticalValues(rule, minSeeds, maxSeeds, alpha, minDecisive) : null;
  const resolution = options.resolution ?? 0;
  // Before minSeeds there is no look: the first look's boundary stands in.
  const criticalAt = (n: number) =>
    critical![Math.min(Math.max(n - minSeeds, 0), critical!.length - 1)];
  const current = () => {
    const paired = { seeds: [...seeds], differences: [...differences] };
    if (!critical) return effectOf(paired, options.level ?? 0.95);
    return intervalAt(paired, criticalAt(seeds.length), resolution);
  };
  // Running mean and sum of squares (Welford): a look costs O(1), the effect is built once.
  let mean = 0;
  let ss = 0;
  const look = (): Verdict => {
    const n = seeds.length;
    if (!critical) return classify(current(), options.delta, false, minDecisive);
    if (n < Math.max(2, minDecisive)) return 'undecided';
    const half = guardedHalfWidth(n, Math.sqrt(ss / (n - 1)), criticalAt(n), resolution);
    return classify(
      { n, mean, lo: mean - half, hi: mean + half } as Effect,
      options.delta,
      false,
      minDecisive,
    );
  };
  for (let s = 0; s < options.maxSeeds; s++) {
    if (arm.failed?.has(s) || baseline.failed?.has(s)) continue;
    const a = arm.scores.get(s);
    const b = baseline.scores.get(s);
    if (a === undefined || b === undefined)
      return { key: arm.key, verdict: 'undecided', effect: current(), waitingFor: s };
    const d = 100 * (a - b);
    seeds.push(s);
    differences.push(d);
    const before = mean;
    mean += (d - mean) / seeds.length;
    ss += (d - before) * (d - mean);
    if (seeds.length < options.minSeeds) continue;
    const verdict = look();
    if (verdict !== 'undecided')
      return { key: arm.key, verdict, effect: current(), waitingFor: null };
  }
  const effect = current();
  return {
    key: arm.key,
    verdict: classify(effect, options.delta, true, minDecisive),
    effect,
    waitingFor: null,
  };
}

/** The verdict of each non-baseline arm from what has finished. */
export function armStatuses(arms: ArmProgress[], options: PlanOptions): ArmStatus[] {
  const baseline = baselineOf(arms);
  const others = arms.filter((a) => a.key !== 'baseline');
  if (options.errorRate !== 'per-study')
    return others.map((a) => sequentialStatus(a, baseline, options));
  const alpha = options.alpha ?? STATED_ALPHA;
  // A sweep's confirmation arm is a follow-up of its sweep, like the stack: outside too.
  const inFamily = (a: ArmProgress) =>
    !(OUTSIDE_FAMILY as readonly string[]).includes(a.key) && !a.key.startsWith('confirm-');
  const m = others.filter(inFamily).length;
  // Holm: a larger level only ever decides more (wider boundaries contain narrower ones), so
  // the rejections grow until a fixed point; it depends on the seeds read, not on timing.
  let rejected = 0;
  for (;;) {
    const level = alpha / Math.max(1, m - rejected);
    const statuses = others.map((a) =>
      sequentialStatus(a, baseline, options, inFamily(a) ? level : alpha),
    );
    const now = statuses.filter(
      (s, i) => inFamily(others[i]) && (s.verdict === 'effective' || s.verdict === 'harmful'),
    ).length;
    if (now <= rejected || now >= m) return statuses;
    rejected = now;
  }
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
