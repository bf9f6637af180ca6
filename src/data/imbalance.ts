/**
 * Imbalance injection for studies: shrink classes geometrically so that the largest class
 * has `ratio` times as many samples as the smallest, to measure what class weights or
 * resampling buy on imbalanced data.
 *
 * Classes are ranked by `order` (default: increasing class index, so class 0 keeps the most
 * and the last class the fewest). The class at rank r of K keeps `c * ratio^(-r/(K-1))`
 * samples (rounded, at least 1), where `c` is the largest count every class can afford:
 * `c = min_k n_k * ratio^(r_k/(K-1))`. On balanced data `c` is the class size, i.e. class k
 * keeps `n_k * ratio^(-k/(K-1))`; on nearly balanced data (MNIST) the common base makes the
 * largest/smallest ratio exact rather than off by the original imbalance. Which samples stay
 * is a seeded draw per class.
 *
 * @example
 *   const kept = injectImbalance(source.labels, { ratio: 10 }, 42);
 *   const train = subsetSource(source, kept);
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { checkSeed, classCounts, indicesByClass } from './by-class.js';

export interface ImbalanceOptions {
  /** Largest over smallest class count after shrinking; >= 1 (1 balances the classes). */
  ratio: number;
  /** Class indices from the one kept largest to the one shrunk most (default 0, 1, 2, ...). */
  order?: readonly number[];
}

/**
 * How many samples each class keeps (indexed by class), from the class counts.
 *
 * @example
 *   imbalanceCounts([100, 100, 100], { ratio: 4 }); // [100, 50, 25]
 */
export function imbalanceCounts(counts: readonly number[], options: ImbalanceOptions): number[] {
  const ratio = options.ratio;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 1) {
    throw new ConfigError('imbalance.ratio', 'a number >= 1', ratio);
  }
  const present = counts.map((n, k) => (n > 0 ? k : -1)).filter((k) => k >= 0);
  const order = options.order ? [...options.order] : present;
  const sortedOrder = [...order].sort((a, b) => a - b);
  if (sortedOrder.length !== present.length || sortedOrder.some((k, i) => k !== present[i])) {
    throw new ConfigError(
      'imbalance.order',
      `each class present in the labels exactly once (${present.join(', ')})`,
      options.order,
    );
  }
  const steps = Math.max(order.length - 1, 1);
  const factor = (rank: number) => ratio ** (-rank / steps);
  let base = Number.POSITIVE_INFINITY;
  order.forEach((k, rank) => {
    base = Math.min(base, counts[k] / factor(rank));
  });
  const kept = counts.map(() => 0);
  order.forEach((k, rank) => {
    kept[k] = Math.min(counts[k], Math.max(1, Math.round(base * factor(rank))));
  });
  return kept;
}

/** The indices (sorted) of the samples kept after shrinking the classes; see the file doc. */
export function injectImbalance(
  labels: Int32Array,
  options: ImbalanceOptions,
  seed: number,
): Int32Array {
  checkSeed(seed);
  const groups = indicesByClass(labels);
  const kept = imbalanceCounts(classCounts(labels), options);
  const rng = new Rng(seed).fork('imbalance');
  const out: number[] = [];
  groups.forEach((members, k) => {
    const order = rng.fork(`class ${k}`).permutation(members.length);
    for (let j = 0; j < kept[k]; j++) out.push(members[order[j]]);
  });
  return Int32Array.from(out.sort((a, b) => a - b));
}
