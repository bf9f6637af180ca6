/**
 * Simulated paths of the paired t statistic under no effect, shared by every sequential rule.
 * Under no effect the t statistic does not depend on the spread of the differences, so the
 * joint law of |t| at the looks minSeeds..maxSeeds depends only on the looks: one seeded
 * simulation of normal differences (deterministic, the same stream on every machine) serves
 * every rule's boundaries and is cached per look range.
 *
 * @example
 *   const t = nullPaths(3, 8); // t[i * 6 + j]: |t| of path i at n = 3 + j seeds
 */

export const SIMULATIONS = 100_000;

const cache = new Map<string, Float64Array>();

/** xorshift32 with Box-Muller: fast, seeded, identical everywhere. */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** |t| of simulated null differences at each look, row by row (SIMULATIONS x looks). */
export function nullPaths(minSeeds: number, maxSeeds: number): Float64Array {
  checkLooks(minSeeds, maxSeeds);
  const key = `${minSeeds}:${maxSeeds}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const looks = maxSeeds - minSeeds + 1;
  const out = new Float64Array(SIMULATIONS * looks);
  const normal = seededNormal(0x9e3779b9);
  for (let i = 0; i < SIMULATIONS; i++) {
    // Welford's running mean and sum of squares: one pass per path.
    let mean = 0;
    let ss = 0;
    for (let n = 1; n <= maxSeeds; n++) {
      const d = normal();
      const before = mean;
      mean += (d - mean) / n;
      ss += (d - before) * (d - mean);
      if (n < minSeeds) continue;
      out[i * looks + n - minSeeds] = Math.abs(mean) / Math.sqrt(ss / (n - 1) / n);
    }
  }
  cache.set(key, out);
  return out;
}

export function checkLooks(minSeeds: number, maxSeeds: number): void {
  if (!(Number.isInteger(minSeeds) && minSeeds >= 2 && maxSeeds >= minSeeds))
    throw new RangeError(`looks: expected 2 <= minSeeds <= maxSeeds, got ${minSeeds}..${maxSeeds}`);
}
