/**
 * What looking again costs. Adaptive seeding looks at an arm's effect after every seed from
 * `minSeeds` to `maxSeeds` and stops at the first decisive interval. With a 95% t interval
 * at each look, the chance that *some* look is wrong is larger than 5%: for looks at 3..8
 * seeds, a measure with no effect at all ends effective or harmful about 14% of the time.
 *
 * Repeated confidence intervals (Jennison & Turnbull) fix that: every look uses the same,
 * smaller per-look error rate (Pocock's constant nominal level), chosen so that all the
 * looks' intervals together cover the true effect 95% of the time. Then every verdict the
 * sequential rule can reach (effective, harmful, ineffective) is wrong at most 5% of the time,
 * whenever it stops.
 *
 * Under no effect the paired t statistic does not depend on the spread of the differences,
 * so both figures depend only on the looks; they are computed once by a seeded simulation
 * of normal differences (deterministic) and cached.
 *
 * @example
 *   falseVerdictRate(3, 8, 0.05);   // ~0.147: looks 3..8, a 95% interval at each
 *   repeatedLevel(3, 8);            // ~0.985: the per-look level that holds 95% over all looks
 */
import { checkLooks, nullPaths as nullT, SIMULATIONS } from './null-paths.js';
import { tQuantile } from './t-distribution.js';

/**
 * The chance that, with no effect, some look's interval (two-sided, per-look error `alpha`)
 * excludes zero: an upper bound on the chance of a false effective/harmful verdict.
 */
export function falseVerdictRate(minSeeds: number, maxSeeds: number, alpha: number): number {
  checkLooks(minSeeds, maxSeeds);
  const looks = maxSeeds - minSeeds + 1;
  const critical = Array.from({ length: looks }, (_, j) =>
    tQuantile(1 - alpha / 2, minSeeds + j - 1),
  );
  const t = nullT(minSeeds, maxSeeds);
  let wrong = 0;
  for (let i = 0; i < SIMULATIONS; i++) {
    for (let j = 0; j < looks; j++) {
      if (t[i * looks + j] > critical[j]) {
        wrong++;
        break;
      }
    }
  }
  return wrong / SIMULATIONS;
}

const levelCache = new Map<string, number>();

/**
 * The per-look confidence level whose intervals, over every look from `minSeeds` to
 * `maxSeeds` seeds, hold together with probability `overall` (0.95 by default).
 */
export function repeatedLevel(minSeeds: number, maxSeeds: number, overall = 0.95): number {
  checkLooks(minSeeds, maxSeeds);
  const key = `${minSeeds}:${maxSeeds}:${overall}`;
  const cached = levelCache.get(key);
  if (cached !== undefined) return cached;
  const target = 1 - overall;
  let level = overall;
  if (maxSeeds > minSeeds) {
    // Bisection on the per-look error: the rate rises with it.
    let lo = target / (maxSeeds - minSeeds + 1); // Bonferroni: always at or below the target
    let hi = target;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (falseVerdictRate(minSeeds, maxSeeds, mid) > target) hi = mid;
      else lo = mid;
    }
    level = 1 - lo;
  }
  levelCache.set(key, level);
  return level;
}
