/**
 * O'Brien-Fleming-type alpha spending (Lan & DeMets, 1983) for the paired t statistic. The
 * error a sequential rule may spend by the time a fraction `f = n / maxSeeds` of the seeds is
 * in is `alpha(f) = 2 - 2 * Phi(z_{1 - alpha/2} / sqrt(f))`: almost nothing at the first
 * looks, most of it at the last. Each look's boundary on |t| is chosen, among the simulated
 * null paths that have not crossed an earlier boundary (lab/stats/null-paths.ts), so that the
 * paths crossed by then are exactly `alpha(f)` of all paths. With small n the t statistic's
 * looks are not the Gaussian ones of the textbook tables (the variance estimate changes
 * with n), hence the simulation rather than a normal-theory recursion.
 *
 * @example
 *   spendingBoundaries(3, 8, 0.05); // |t| boundaries at n = 3..8, the last near 2.6
 */
import { normalCdf, normalQuantile } from './normal.js';
import { nullPaths, SIMULATIONS } from './null-paths.js';

/** Cumulative error spent at information fraction `f` (0 < f <= 1). */
export function obrienFlemingSpent(f: number, alpha: number): number {
  if (f >= 1) return alpha;
  return 2 - 2 * normalCdf(normalQuantile(1 - alpha / 2) / Math.sqrt(f));
}

const cache = new Map<string, number[]>();

/** Boundaries on |t| at n = minSeeds..maxSeeds; Infinity where the look may spend nothing. */
export function spendingBoundaries(minSeeds: number, maxSeeds: number, alpha: number): number[] {
  const key = `${minSeeds}:${maxSeeds}:${alpha}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const t = nullPaths(minSeeds, maxSeeds);
  const looks = maxSeeds - minSeeds + 1;
  const crossed = new Uint8Array(SIMULATIONS);
  let crossedCount = 0;
  const boundaries: number[] = [];
  const values = new Float64Array(SIMULATIONS);
  for (let j = 0; j < looks; j++) {
    const target = Math.round(obrienFlemingSpent((minSeeds + j) / maxSeeds, alpha) * SIMULATIONS);
    const more = target - crossedCount;
    let alive = 0;
    for (let i = 0; i < SIMULATIONS; i++) if (!crossed[i]) values[alive++] = t[i * looks + j];
    if (more <= 0 || alive === 0) {
      boundaries.push(Number.POSITIVE_INFINITY);
      continue;
    }
    const sorted = values.subarray(0, alive).sort().reverse();
    // Crossing is |t| > c: the boundary sits between the more-th and (more+1)-th largest.
    const c = more >= alive ? 0 : (sorted[more - 1] + sorted[Math.min(more, alive - 1)]) / 2;
    boundaries.push(c);
    for (let i = 0; i < SIMULATIONS; i++) {
      if (!crossed[i] && t[i * looks + j] > c) {
        crossed[i] = 1;
        crossedCount++;
      }
    }
  }
  cache.set(key, boundaries);
  return boundaries;
}
