/**
 * Class weights for an imbalanced training split: a manual list (the seed's `[1, 0.8]`), or
 * one of three strategies computed from the training split's class counts.
 *
 * | strategy | weight of class c (n_c samples, C classes, n samples) | scale |
 * | --- | --- | --- |
 * | `proportional` | inverse frequency, 1 / n_c | normalised to average 1 over classes |
 * | `balanced` | scikit-learn's n / (C * n_c) | as scikit-learn (no renormalisation) |
 * | `effective` | Cui et al. 2019, (1 - beta) / (1 - beta^n_c), beta 0.999 | sums to C, as in the paper |
 *
 * `proportional` and `balanced` point the same way (both are proportional to 1 / n_c) and
 * differ only in scale. With tunebook's loss, which divides by the sum of the sample weights
 * as PyTorch does (see `crossEntropy`), the scale cancels: the two give the same loss and the
 * same training. The scale matters only to code that divides by the batch size instead
 * (Keras' `classWeight`), and for reading the weights.
 *
 * A class with no training sample has no inverse frequency; the strategies refuse such counts
 * rather than invent a weight (scikit-learn refuses too). A manual list is taken as given.
 */
import { ConfigError } from '../core/errors.js';

import { parseOptions } from '../core/validation.js';
import { CLASS_WEIGHT_STRATEGIES, type ClassWeightStrategy } from './names.js';
import { EffectiveWeights } from './options.js';

export { CLASS_WEIGHT_STRATEGIES, type ClassWeightStrategy };
export type ClassWeightSpec =
  | ClassWeightStrategy
  | number[]
  | { strategy: 'effective'; beta?: number };

/** Cui et al.'s default: the paper finds 0.999 to 0.9999 best on long-tailed CIFAR. */
export const DEFAULT_EFFECTIVE_BETA = 0.999;

/**
 * One weight per class, from a manual list or a strategy over the training split's counts.
 * `field` names the setting in error messages.
 *
 * @example
 *   classWeights('balanced', [900, 100]);            // [0.5556, 5]      (sklearn)
 *   classWeights('proportional', [900, 100]);        // [0.2, 1.8]       (mean 1)
 *   classWeights({ strategy: 'effective', beta: 0.99 }, [900, 100]);
 *   classWeights([1, 0.8], [900, 100]);              // [1, 0.8]         (as given)
 */
export function classWeights(
  spec: ClassWeightSpec,
  counts: ArrayLike<number>,
  field = 'classWeights',
): Float32Array {
  const classes = checkCounts(counts, field);
  if (Array.isArray(spec)) return manualWeights(spec, classes, field);
  if (ArrayBuffer.isView(spec)) {
    return manualWeights(Array.from(spec as unknown as ArrayLike<number>), classes, field);
  }
  if (typeof spec === 'string') {
    if (!(CLASS_WEIGHT_STRATEGIES as readonly string[]).includes(spec)) {
      throw new ConfigError(
        field,
        `a list of weights or one of ${CLASS_WEIGHT_STRATEGIES.join(', ')}`,
        spec,
      );
    }
    return Float32Array.from(strategyWeights(spec, counts, DEFAULT_EFFECTIVE_BETA, field));
  }
  if (spec !== null && typeof spec === 'object') {
    const b = parseOptions(EffectiveWeights, spec, field).beta ?? DEFAULT_EFFECTIVE_BETA;
    return Float32Array.from(strategyWeights('effective', counts, b, field));
  }
  throw new ConfigError(
    field,
    `a list of weights or one of ${CLASS_WEIGHT_STRATEGIES.join(', ')}`,
    spec,
  );
}

/**
 * The strategy's weights in double precision (the float32 result of `classWeights` rounds
 * these). Exported for tests and reports.
 *
 * @example
 *   strategyWeights('effective', [900, 100], 0.999); // sums to 2
 */
export function strategyWeights(
  strategy: ClassWeightStrategy,
  counts: ArrayLike<number>,
  beta = DEFAULT_EFFECTIVE_BETA,
  field = 'classWeights',
): number[] {
  const classes = checkCounts(counts, field);
  const n = Array.from(counts);
  if (n.some((c) => c === 0)) {
    const missing = n.flatMap((c, i) => (c === 0 ? [i] : []));
    throw new ConfigError(
      `${field} (class counts)`,
      `a training sample of every class for strategy "${strategy}" (none of class ${missing.join(', ')})`,
      n,
    );
  }
  switch (strategy) {
    case 'proportional': {
      const inverse = n.map((c) => 1 / c);
      const mean = inverse.reduce((a, b) => a + b, 0) / classes;
      return inverse.map((w) => w / mean);
    }
    case 'balanced': {
      const total = n.reduce((a, b) => a + b, 0);
      return n.map((c) => total / (classes * c));
    }
    case 'effective': {
      // (1 - beta^n) as -expm1(n log beta) keeps its digits when beta^n is close to 1.
      const raw = n.map((c) => (beta === 0 ? 1 : (1 - beta) / -Math.expm1(c * Math.log(beta))));
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((w) => (w * classes) / sum);
    }
    default:
      throw new ConfigError(field, `one of ${CLASS_WEIGHT_STRATEGIES.join(', ')}`, strategy);
  }
}

function checkCounts(counts: ArrayLike<number>, field: string): number {
  if (counts == null || typeof counts.length !== 'number' || counts.length < 1) {
    throw new ConfigError(`${field} (class counts)`, 'one count per class', counts);
  }
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!Number.isInteger(c) || c < 0) {
      throw new ConfigError(`${field} (class counts)[${i}]`, 'a sample count (integer >= 0)', c);
    }
  }
  return counts.length;
}

function manualWeights(list: unknown[], classes: number, field: string): Float32Array {
  if (list.length !== classes) {
    throw new ConfigError(field, `${classes} weights (one per class)`, list.length);
  }
  let positive = false;
  list.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new ConfigError(`${field}[${i}]`, 'a weight >= 0', w);
    }
    if (w > 0) positive = true;
  });
  // All zeros would make the loss 0/0: PyTorch returns NaN, which would read as divergence.
  if (!positive) throw new ConfigError(field, 'at least one weight > 0', list);
  return Float32Array.from(list as number[]);
}
