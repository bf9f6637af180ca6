/**
 * Simulated studies of one measure, through the planner's own sequential rule: how often a
 * rule ends effective, harmful, ineffective or unstable for a given true effect and noise.
 * The simulation suite (simulate.test.ts) checks every rule's false-verdict rate against what
 * it states, and reports its power; `tunebook` itself uses it for the power it prints.
 *
 * @example
 *   simulateRule({ plan, noise: 't3', effect: 0, sd: 5, studies: 4000, seed: 1 }).decisive;
 */
import { type ArmProgress, type PlanOptions, sequentialStatus } from '../planner.js';

/**
 * Noise of the paired differences: `normal`; `t3`, heavy tails (Student t, 3 degrees of
 * freedom); `skewed`, each trial's score skewed (a centred exponential, as a metric near its
 * ceiling) and independent between arm and baseline, which is what a measure with no effect
 * gives; `skewed-differences`, the differences themselves skewed with mean zero (a measure
 * that changes the shape of the score, not its mean), where no test of a mean from a dozen
 * seeds can hold its level (Bahadur & Savage), reported rather than promised.
 */
export const NOISES = ['normal', 't3', 'skewed', 'skewed-differences'] as const;
export type Noise = (typeof NOISES)[number];

export interface SimulationCase {
  plan: PlanOptions;
  noise: Noise;
  /** True effect, percentage points. */
  effect: number;
  /** Spread of the paired differences, percentage points. */
  sd: number;
  studies: number;
  seed: number;
}

export interface SimulationOutcome {
  effective: number;
  harmful: number;
  ineffective: number;
  unstable: number;
  /** effective + harmful, as a fraction of studies. */
  decisive: number;
  /** Mean seeds the rule read. */
  seeds: number;
}

/** A Lehmer (Park-Miller) stream, separate from the rules' own xorshift: no shared luck. */
function lehmer(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** Unit-variance noise of each kind, mean zero. */
export function noiseSource(kind: Noise, seed: number): () => number {
  const uniform = lehmer(seed);
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  if (kind === 'normal') return normal;
  if (kind === 't3')
    // Student t with 3 degrees of freedom (variance 3), scaled to variance 1: heavy tails.
    return () => {
      const chi = normal() ** 2 + normal() ** 2 + normal() ** 2;
      return normal() / Math.sqrt(chi / 3) / Math.sqrt(3);
    };
  // Exponential(1) - 1: skewness 2, mean 0, variance 1.
  const skewed = () => -Math.log(uniform()) - 1;
  if (kind === 'skewed-differences') return skewed;
  return () => (skewed() - skewed()) / Math.SQRT2;
}

export function simulateRule(c: SimulationCase): SimulationOutcome {
  const noise = noiseSource(c.noise, c.seed);
  const n = c.plan.maxSeeds;
  const baseline: ArmProgress = {
    key: 'baseline',
    scores: new Map(Array.from({ length: n }, (_, s) => [s, 0.5])),
    pending: new Set(),
  };
  const counts = { effective: 0, harmful: 0, ineffective: 0, unstable: 0 };
  let seeds = 0;
  for (let i = 0; i < c.studies; i++) {
    const scores = new Map<number, number>();
    for (let s = 0; s < n; s++) scores.set(s, 0.5 + (c.effect + c.sd * noise()) / 100);
    const status = sequentialStatus({ key: 'm', scores, pending: new Set() }, baseline, c.plan);
    const verdict = status.verdict === 'undecided' ? 'unstable' : status.verdict;
    counts[verdict]++;
    seeds += status.effect.n;
  }
  return {
    ...counts,
    decisive: (counts.effective + counts.harmful) / c.studies,
    seeds: seeds / c.studies,
  };
}
