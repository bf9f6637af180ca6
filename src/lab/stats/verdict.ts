/**
 * The verdict on a measure from paired seeds (DESIGN.md, "Studies and verdicts"). For a
 * metric m and the seeds both arms ran, d_s = m(arm, s) - m(baseline, s) in percentage
 * points; the effect is mean(d) with a 95% t interval [lo, hi]. With the smallest effect
 * worth caring about, delta:
 *
 *   effective    lo > 0 and mean >= delta
 *   harmful      hi < 0 and mean <= -delta
 *   ineffective  -delta < lo and hi < delta   (shown not to matter)
 *   unstable     anything else once the seed budget is spent
 *   undecided    anything else while seeds can still be added
 *
 * @example
 *   verdictFor(pairedDifferences(armScores, baseScores), { delta: 0.5, budgetSpent: false });
 */
import { tQuantile } from './t-distribution.js';

export const VERDICTS = ['effective', 'unstable', 'ineffective', 'harmful', 'undecided'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface Effect {
  /** Paired seeds. */
  n: number;
  /** Mean difference, percentage points. */
  mean: number;
  sd: number;
  lo: number;
  hi: number;
  differences: number[];
  seeds: number[];
}

/** d_s in percentage points for the seeds both arms have (scores as fractions in [0, 1]). */
export function pairedDifferences(
  arm: ReadonlyMap<number, number>,
  baseline: ReadonlyMap<number, number>,
): { seeds: number[]; differences: number[] } {
  const seeds = [...arm.keys()].filter((s) => baseline.has(s)).sort((a, b) => a - b);
  return { seeds, differences: seeds.map((s) => 100 * (arm.get(s)! - baseline.get(s)!)) };
}

export function effectOf(paired: { seeds: number[]; differences: number[] }, level = 0.95): Effect {
  const d = paired.differences;
  const n = d.length;
  const mean = n > 0 ? d.reduce((a, b) => a + b, 0) / n : Number.NaN;
  if (n < 2)
    return {
      n,
      mean,
      sd: Number.NaN,
      lo: Number.NEGATIVE_INFINITY,
      hi: Number.POSITIVE_INFINITY,
      ...paired,
    };
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, lo: mean - half, hi: mean + half, differences: d, seeds: paired.seeds };
}

/**
 * The interval of a look with critical value `critical` (|t| boundary of the study's rule),
 * guarded against degenerate spreads: differences are multiples of one test example
 * (`resolution` points, 0 when unknown), so each carries up to half a step of rounding on
 * either score; the spread used is never below that rounding's own (resolution / sqrt(6):
 * two independent uniform roundings), and the interval is never narrower than one step.
 * Identical differences then give an honest width instead of a zero-width interval.
 */
export function intervalAt(
  paired: { seeds: number[]; differences: number[] },
  critical: number,
  resolution = 0,
): Effect {
  const raw = effectOf(paired);
  if (raw.n < 2) return raw;
  const half = guardedHalfWidth(raw.n, raw.sd, critical, resolution);
  return { ...raw, lo: raw.mean - half, hi: raw.mean + half };
}

/** Half the width of `intervalAt`'s interval, from n and the spread of the differences. */
export function guardedHalfWidth(
  n: number,
  sd: number,
  critical: number,
  resolution: number,
): number {
  const floored = Math.max(sd, resolution / Math.sqrt(6));
  const half = Math.max(critical * (floored / Math.sqrt(n)), resolution / 2);
  // Infinity * 0 (a look that may spend nothing, identical differences) is still infinite.
  return Number.isNaN(half) ? Number.POSITIVE_INFINITY : half;
}

/**
 * The verdict of an interval. `minDecisive`: the fewest seeds a decisive verdict (effective,
 * harmful, ineffective) may come from (lab/stats/rules.ts, `minDecisiveSeeds`); 2 for the
 * studies made before that guard.
 */
export function classify(
  effect: Effect,
  delta: number,
  budgetSpent: boolean,
  minDecisive = 2,
): Verdict {
  const { lo, hi, mean } = effect;
  if (effect.n >= Math.max(2, minDecisive)) {
    if (lo > 0 && mean >= delta) return 'effective';
    if (hi < 0 && mean <= -delta) return 'harmful';
    if (lo > -delta && hi < delta) return 'ineffective';
  }
  return budgetSpent ? 'unstable' : 'undecided';
}

/** Convenience: differences, effect and verdict in one call. */
export function verdictFor(
  paired: { seeds: number[]; differences: number[] },
  options: { delta: number; budgetSpent: boolean },
): { effect: Effect; verdict: Verdict } {
  const effect = effectOf(paired);
  return { effect, verdict: classify(effect, options.delta, options.budgetSpent) };
}
