/**
 * Index-level helpers on an in-memory image set: gathering a subset by indices (and, for
 * existing callers, the stratified split, which lives in `split.ts`).
 *
 * @example
 *   const { train, test } = stratifiedSplit(set.labels, 0.2, 42);
 *   const trainSet = gather(set, train);
 */
import type { ImageSet } from './image-set.js';

export { stratifiedSplit } from './split.js';

/** The samples at `indices`, in that order, copied into a new set. */
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
