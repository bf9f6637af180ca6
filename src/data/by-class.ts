/**
 * Index bookkeeping per class, shared by splits, imbalance injection and resampling.
 *
 * @example
 *   classCounts(Int32Array.from([0, 2, 2])); // [1, 0, 2]
 */
import { ConfigError } from '../core/errors.js';

/** Samples per class, for classes 0..max(label) (or 0..classes-1 when given). */
export function classCounts(labels: ArrayLike<number>, classes?: number): number[] {
  const counts: number[] = new Array(classes ?? maxLabel(labels) + 1).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label < 0 || label >= counts.length || !Number.isInteger(label)) {
      throw new ConfigError(`labels[${i}]`, `a class index in [0, ${counts.length})`, label);
    }
    counts[label]++;
  }
  return counts;
}

/** The sample indices of each class, in increasing order; `result[k]` lists class k. */
export function indicesByClass(labels: ArrayLike<number>, classes?: number): number[][] {
  const groups: number[][] = Array.from({ length: classes ?? maxLabel(labels) + 1 }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label < 0 || label >= groups.length || !Number.isInteger(label)) {
      throw new ConfigError(`labels[${i}]`, `a class index in [0, ${groups.length})`, label);
    }
    groups[label].push(i);
  }
  return groups;
}

function maxLabel(labels: ArrayLike<number>): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}

/** Checks a seed the way every data function expects it: a finite integer. */
export function checkSeed(seed: unknown, field = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new ConfigError(field, 'an integer', seed);
  }
  return seed;
}
