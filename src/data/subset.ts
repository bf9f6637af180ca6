/**
 * Index-level helpers on an image set: a seeded, stratified train/test split and gathering a
 * subset by indices.
 *
 * @example
 *   const { train, test } = stratifiedSplit(set.labels, 0.2, 42);
 *   const trainSet = gather(set, train);
 */
import { Rng } from '../core/rng.js';
import type { ImageSet } from './mnist.js';

/** Per class, a seeded shuffle then the first `testFraction` of it to test. */
export function stratifiedSplit(
  labels: Int32Array,
  testFraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  const rng = new Rng(seed).fork('split');
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    const order = rng.permutation(members.length);
    const nTest = Math.round(members.length * testFraction);
    order.forEach((j, k) => {
      (k < nTest ? test : train).push(members[j]);
    });
  }
  return {
    train: Int32Array.from(train.sort((a, b) => a - b)),
    test: Int32Array.from(test.sort((a, b) => a - b)),
  };
}

export function gather(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(set.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i];
  }
  return { ...set, images, labels, count: indices.length };
}
