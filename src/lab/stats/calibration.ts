/**
 * What a study can find on this data and model, from K baseline trials (`tunebook
 * calibrate`): the seed-to-seed spread of the metric, the smallest effect the study's rule
 * calls at 80% power for each seed budget, the rule's false-verdict rate on A/A studies
 * resampled from those trials (pairs of two different baseline trials: no effect by
 * construction, with the data's own shape, ties and resolution), and a suggested maxSeeds
 * and delta.
 *
 * @example
 *   calibrate([0.91, 0.9, 0.93, ...], plan, { seed: 1 }).suggested; // { maxSeeds: 8, delta: 1.2 }
 */
import { type ArmProgress, type PlanOptions, sequentialStatus } from '../planner.js';
import { simulateRule } from './simulate.js';

export interface Calibration {
  /** Baseline trials used. */
  trials: number;
  /** Standard deviation of the metric across seeds, percentage points. */
  spread: number;
  /** Spread of a paired difference of two independent trials (sqrt(2) x spread). */
  differenceSpread: number;
  /** Smallest effect (points) called effective at 80% power with looks up to `seeds`. */
  detectable: { seeds: number; effect: number | null }[];
  /** Share of resampled A/A studies that ended effective or harmful. */
  falseVerdictRate: number;
  aaStudies: number;
  suggested: { maxSeeds: number | null; delta: number | null };
}

const POWER = 0.8;

/** The smallest effect, in sds of the differences, the rule calls at 80% power. */
export function detectableInSd(plan: PlanOptions, studies = 300): number | null {
  if (plan.maxSeeds < (plan.minDecisive ?? 2)) return null;
  const power = (effect: number) =>
    simulateRule({
      plan: { ...plan, delta: 0, resolution: 0, errorRate: 'per-measure' },
      noise: 'normal',
      effect,
      sd: 1,
      studies,
      seed: 80,
    }).effective / studies;
  let hi = 8;
  if (power(hi) < POWER) return null;
  let lo = 0;
  for (let i = 0; i < 10; i++) {
    const mid = (lo + hi) / 2;
    if (power(mid) >= POWER) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function calibrate(
  scores: number[],
  plan: PlanOptions,
  options: { seed?: number; aaStudies?: number; largestBudget?: number } = {},
): Calibration {
  if (scores.length < 3)
    throw new RangeError(`calibrate: expected at least 3 baseline trials, got ${scores.length}`);
  const points = scores.map((s) => 100 * s);
  const mean = points.reduce((a, b) => a + b, 0) / points.length;
  const spread = Math.sqrt(points.reduce((a, b) => a + (b - mean) ** 2, 0) / (points.length - 1));
  const differenceSpread = Math.SQRT2 * spread;
  const largest = Math.max(plan.maxSeeds, options.largestBudget ?? 20);
  const detectable: Calibration['detectable'] = [];
  for (let n = plan.minSeeds; n <= largest; n++) {
    const inSd = detectableInSd({ ...plan, maxSeeds: n });
    detectable.push({ seeds: n, effect: inSd === null ? null : inSd * differenceSpread });
  }
  const aaStudies = options.aaStudies ?? 2000;
  const falseVerdictRate = aaRate(scores, plan, aaStudies, options.seed ?? 1);
  const within = detectable.filter((d) => d.seeds <= plan.maxSeeds && d.effect !== null);
  const reaching = detectable.find((d) => d.effect !== null && d.effect <= plan.delta);
  return {
    trials: scores.length,
    spread,
    differenceSpread,
    detectable,
    falseVerdictRate,
    aaStudies,
    suggested: {
      // The fewest seeds at which the study's delta is detectable at 80% power.
      maxSeeds: reaching?.seeds ?? null,
      // What the current maxSeeds can detect: a delta below it is rarely called effective.
      delta: within.length ? within[within.length - 1].effect : null,
    },
  };
}

/** Resampled A/A studies: each seed pairs two different baseline trials drawn at random. */
function aaRate(scores: number[], plan: PlanOptions, studies: number, seed: number): number {
  let state = (seed % 2147483646) + 1;
  const pick = (k: number) => {
    state = (state * 48271) % 2147483647;
    return Math.floor((state / 2147483647) * k);
  };
  const n = plan.maxSeeds;
  let decisive = 0;
  for (let i = 0; i < studies; i++) {
    const a = new Map<number, number>();
    const b = new Map<number, number>();
    for (let s = 0; s < n; s++) {
      const x = pick(scores.length);
      let y = pick(scores.length - 1);
      if (y >= x) y++;
      a.set(s, scores[x]);
      b.set(s, scores[y]);
    }
    const arm: ArmProgress = { key: 'aa', scores: a, pending: new Set() };
    const base: ArmProgress = { key: 'baseline', scores: b, pending: new Set() };
    const v = sequentialStatus(arm, base, plan).verdict;
    if (v === 'effective' || v === 'harmful') decisive++;
  }
  return decisive / studies;
}
