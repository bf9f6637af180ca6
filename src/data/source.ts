/**
 * `ImageSource`: the one interface every data source offers (image folders, the MNIST
 * digits, signals, spectrograms), so splits, the loader and the CLI treat them alike. Images
 * are fetched one at a time and asynchronously, because a folder larger than memory decodes
 * from disk on demand.
 *
 * @example
 *   const source = await openImageFolder('photos');
 *   const first = await source.get(0); // an Image, HWC
 *   const set = await toImageSet(subsetSource(source, split.train)); // all in memory
 */
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { ImageSet } from './image-set.js';

export interface ImageSource {
  /** Number of samples. */
  readonly count: number;
  /** Class index of each sample, in [0, classNames.length). */
  readonly labels: Int32Array;
  readonly classNames: readonly string[];
  /** [height, width, channels] when every sample has it (MNIST); absent when sizes vary. */
  readonly shape?: readonly [number, number, number];
  /**
   * Sample `i`. The image may be shared with a cache: treat it as read-only (transforms
   * return new images).
   */
  get(i: number): Promise<Image>;
  /** Names sample `i` in messages: its file for folders, else its index. */
  describe?(i: number): string;
}

/** Throws a ConfigError unless `i` is a sample index of a source with `count` samples. */
export function checkIndex(i: number, count: number, field = 'index'): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new ConfigError(field, `an integer in [0, ${count})`, i);
  }
}

/** How a source names sample `i` in messages. */
export function describeSample(source: ImageSource, i: number): string {
  return source.describe?.(i) ?? `sample ${i}`;
}

/**
 * The samples of `source` at `indices` (in that order, repeats allowed) as a source of
 * their own: a split, or a resampled training set.
 *
 * @example
 *   const train = subsetSource(source, stratifiedSplit(source.labels, { test: 0.2 }, 1).train);
 */
export function subsetSource(source: ImageSource, indices: ArrayLike<number>): ImageSource {
  const map = Int32Array.from(indices as ArrayLike<number>);
  map.forEach((i, k) => {
    checkIndex(i, source.count, `indices[${k}]`);
  });
  const labels = new Int32Array(map.length);
  map.forEach((i, k) => {
    labels[k] = source.labels[i];
  });
  return {
    count: map.length,
    labels,
    classNames: source.classNames,
    shape: source.shape,
    get: (k: number) => {
      checkIndex(k, map.length);
      return source.get(map[k]);
    },
    describe: (k: number) => describeSample(source, map[k]),
  };
}

/**
 * An in-memory `ImageSet` (floats, NHWC) as a source; `get` returns views, not copies.
 *
 * @example
 *   const source = imageSetSource(loadMnistDigits());
 */
export function imageSetSource(set: ImageSet): ImageSource {
  const [height, width, channels] = set.shape;
  const size = height * width * channels;
  return {
    count: set.count,
    labels: set.labels,
    classNames: set.classNames,
    shape: set.shape,
    get: async (i: number) => {
      checkIndex(i, set.count);
      return { data: set.images.subarray(i * size, (i + 1) * size), height, width, channels };
    },
  };
}

/**
 * Reads every sample of `source` into one `ImageSet` (floats; 8-bit images scaled to
 * [0, 1]). Every sample must have the same shape.
 *
 * @example
 *   const set = await toImageSet(mnistSource()); // same pixels as loadMnistDigits(), rounded
 */
export async function toImageSet(source: ImageSource): Promise<ImageSet> {
  if (source.count === 0) throw new ConfigError('source', 'at least one sample', 0);
  const first = await source.get(0);
  const shape: [number, number, number] = [first.height, first.width, first.channels];
  const size = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(source.count * size);
  // Fetched a chunk at a time: folders decode in parallel on sharp's threads.
  const chunk = 32;
  for (let start = 0; start < source.count; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, source.count - start) }, (_, k) => start + k);
    const fetched = await Promise.all(ids.map((i) => (i === 0 ? first : source.get(i))));
    for (const [k, image] of fetched.entries()) place(image, ids[k]);
  }
  function place(image: Image, i: number): void {
    if (image.height !== shape[0] || image.width !== shape[1] || image.channels !== shape[2]) {
      throw new DataError(
        describeSample(source, i),
        `image is ${image.height}x${image.width}x${image.channels}, but the first is ` +
          `${shape.join('x')}; resize images to one size before stacking them`,
      );
    }
    writeFloat(image, images, i * size);
  }
  return {
    images,
    labels: Int32Array.from(source.labels),
    count: source.count,
    shape,
    classes: source.classNames.length,
    classNames: [...source.classNames],
  };
}

/** Copies an image into `out` at `offset` as floats, 8-bit values scaled to [0, 1]. */
export function writeFloat(image: Image, out: Float32Array, offset: number): void {
  const data = image.data;
  if (data instanceof Float32Array) {
    out.set(data, offset);
    return;
  }
  for (let j = 0; j < data.length; j++) out[offset + j] = data[j] / 255;
}
