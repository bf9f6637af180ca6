/**
 * A whole labelled image set in one float array, the form the plain training loop
 * (`training/classifier.ts`) works on. Sources that stream (`ImageSource`) turn into one with
 * `toImageSet` when they fit in memory.
 *
 * @example
 *   const set: ImageSet = loadMnistDigits();
 *   set.images.subarray(0, 784); // the first digit, HWC floats in [0, 1]
 */
export interface ImageSet {
  /** count x height x width x channels, row-major (NHWC). */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  shape: [number, number, number];
  classes: number;
  classNames: string[];
}
