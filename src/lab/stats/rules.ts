/**
 * The sequential rules a study can name (`seeds.intervals`), as critical values of the paired
 * t statistic at each look n = minSeeds..maxSeeds. An arm's interval at a look is
 * `mean +- c_n * sd / sqrt(n)`; its verdict is the first decisive one along its seeds.
 *
 *   spending  (default) O'Brien-Fleming-type alpha spending (lab/stats/spending.ts): the
 *             intervals of all looks together cover the true effect with probability
 *             1 - alpha, so effective/harmful/ineffective are each wrong at most alpha of
 *             the time, over all looks; nearly the fixed-sample width at the last look.
 *   repeated  Pocock's constant level (lab/stats/sequential.ts): the same guarantee, equal
 *             widths at every look, so it stops earlier on big effects and is wider at the last.
 *   per-look  1 - alpha at every look: kept for studies made before the other rules; with
 *             many looks it is wrong far more often than alpha (`falseVerdictRate`).
 *
 * Two guards keep degenerate spreads honest (on for every study that records its rule,
 * lab/stats/study-rule.ts): an interval is never narrower than one test example (the
 * metric's resolution), and no verdict is decisive from fewer seeds than a distribution-free
 * test could support at alpha (`minDecisiveSeeds`).
 *
 * @example
 *   criticalValues('spending', 3, 8, 0.05); // [Infinity-ish large, ..., ~2.6]
 */
import { repeatedLevel } from './sequential.js';
import { spendingBoundaries } from './spending.js';
import { tQuantile } from './t-distribution.js';

export const INTERVAL_RULES = ['spending', 'repeated', 'per-look'] as const;
export type IntervalRule = (typeof INTERVAL_RULES)[number];
/** The rule of a study that names none (and records it, so the study keeps it). */
export const DEFAULT_RULE: IntervalRule = 'spending';
/** Every rule's stated error per measure: P(effective or harmful | no effect), all looks. */
export const STATED_ALPHA = 0.05;

const cache = new Map<string, number[]>();

/**
 * Critical |t| at each look n = minSeeds..maxSeeds for a two-sided error `alpha`. Looks
 * before `firstLook` (where no verdict may be decisive, `minDecisiveSeeds`) spend nothing:
 * the rule is built over the looks firstLook..maxSeeds, and the earlier looks show the first
 * one's width.
 */
export function criticalValues(
  rule: IntervalRule,
  minSeeds: number,
  maxSeeds: number,
  alpha = STATED_ALPHA,
  firstLook = minSeeds,
): number[] {
  const first = Math.min(Math.max(minSeeds, firstLook), maxSeeds);
  const key = `${rule}:${minSeeds}:${maxSeeds}:${alpha}:${first}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let values: number[];
  if (rule === 'spending') values = spendingBoundaries(first, maxSeeds, alpha);
  else {
    const level = rule === 'repeated' ? repeatedLevel(first, maxSeeds, 1 - alpha) : 1 - alpha;
    values = Array.from({ length: maxSeeds - first + 1 }, (_, j) =>
      tQuantile(1 - (1 - level) / 2, first + j - 1),
    );
  }
  values = [...Array<number>(first - minSeeds).fill(values[0]), ...values];
  cache.set(key, values);
  return values;
}

/**
 * The fewest paired seeds from which a decisive verdict can hold error `alpha` without
 * trusting the normal model: with n seeds, every difference on the same side happens by
 * chance 2 / 2^n of the time when arm and baseline are exchangeable (the sign-flip test's
 * smallest p-value), so n must make that at most alpha: 6 seeds for 5%.
 */
export function minDecisiveSeeds(alpha = STATED_ALPHA): number {
  let n = 2;
  while (2 / 2 ** n > alpha) n++;
  return n;
}

/** The smallest step of a metric in percentage points: one test example of `testSize`. */
export function resolutionOf(testSize: number | null | undefined): number {
  return testSize && testSize > 0 ? 100 / testSize : 0;
}
