/**
 * Seeded, stratified splits into train / (validation) / test: every class is shuffled on its
 * own and cut by the fractions, so each part keeps the class proportions. The test part of a
 * three-way split equals the test part of the two-way split with the same seed and test
 * fraction, so adding a validation part never changes what a study is tested on.
 *
 * @example
 *   const { train, test } = stratifiedSplit(labels, 0.2, 42);
 *   const { train, validation, test } = stratifiedSplit(labels, { validation: 0.1, test: 0.2 }, 42);
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { checkSeed } from './by-class.js';

export interface SplitFractions {
  /** Fraction of every class held out for validation (default 0). */
  validation?: number;
  /** Fraction of every class held out for testing. */
  test: number;
}

export interface TwoWaySplit {
  train: Int32Array;
  test: Int32Array;
}

export interface ThreeWaySplit extends TwoWaySplit {
  validation: Int32Array;
}

/**
 * Per class (in increasing label order), a seeded shuffle; the first
 * `round(n_k * test)` go to test, the next `round(n_k * validation)` to validation, the rest
 * to train. Each part is returned sorted.
 *
 * @example
 *   stratifiedSplit(labels, { validation: 0.1, test: 0.2 }, 7).validation;
 */
export function stratifiedSplit(
  labels: Int32Array,
  testFraction: number,
  seed: number,
): TwoWaySplit;
export function stratifiedSplit(
  labels: Int32Array,
  fractions: SplitFractions,
  seed: number,
): ThreeWaySplit;
export function stratifiedSplit(
  labels: Int32Array,
  fractions: number | SplitFractions,
  seed: number,
): TwoWaySplit | ThreeWaySplit {
  checkSeed(seed);
  const threeWay = typeof fractions !== 'number';
  const test = checkFraction(
    threeWay ? fractions.test : fractions,
    threeWay ? 'split.test' : 'testFraction',
  );
  const validation = threeWay ? checkFraction(fractions.validation ?? 0, 'split.validation') : 0;
  if (test + validation > 1) {
    throw new ConfigError('split', 'validation + test <= 1', { validation, test });
  }
  const rng = new Rng(seed).fork('split');
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  });
  const parts: number[][] = [[], [], []]; // test, validation, train
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    const order = rng.permutation(members.length);
    const nTest = Math.round(members.length * test);
    const nValidation = Math.min(Math.round(members.length * validation), members.length - nTest);
    order.forEach((j, k) => {
      parts[k < nTest ? 0 : k < nTest + nValidation ? 1 : 2].push(members[j]);
    });
  }
  const [testPart, validationPart, trainPart] = parts.map((p) =>
    Int32Array.from(p.sort((a, b) => a - b)),
  );
  return threeWay
    ? { train: trainPart, validation: validationPart, test: testPart }
    : { train: trainPart, test: testPart };
}

function checkFraction(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ConfigError(field, 'a fraction in [0, 1]', value);
  }
  return value;
}
