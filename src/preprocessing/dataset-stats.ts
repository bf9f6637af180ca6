/**
 * Statistics of a data source for configuring normalisation: per-channel mean, std, min and
 * max on the [0, 1] scale (8-bit pixels divided by 255, as `toTensor` does; float pixels
 * taken as they are), class counts, and the range of image sizes.
 *
 * The std is the population std over every pixel of every image of a channel (what
 * torchvision users compute for `Normalize`). Per-image means and squared deviations are
 * merged in index order (Chan et al.), so large folders lose no precision and runs repeat to
 * the last digit.
 *
 * @example
 *   const stats = await datasetStats(imageSetInput(loadMnistDigits()), 'mnist');
 *   stats.mean; // [0.1307...]
 */
import { DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';

/**
 * What `datasetStats` reads: the shape of data/'s `ImageSource`, restated here because
 * preprocessing may not import data/; any image source fits.
 */
export interface StatsInput {
  readonly count: number;
  readonly labels: Int32Array;
  readonly classNames: readonly string[];
  get(i: number): Promise<Image>;
  describe?(i: number): string;
}

export interface DatasetStats {
  source: string;
  images: number;
  channels: number;
  /** Per channel, on the [0, 1] scale. */
  mean: number[];
  std: number[];
  min: number[];
  max: number[];
  classes: { name: string; count: number }[];
  height: { min: number; max: number };
  width: { min: number; max: number };
}

export interface DatasetStatsOptions {
  /** Images decoded at once (default 8): sharp decodes on libuv's thread pool. */
  concurrency?: number;
}

interface ImageMoments {
  n: number;
  mean: Float64Array;
  m2: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

/** Reads every image of `input` once and returns its statistics; `name` labels the source. */
export async function datasetStats(
  input: StatsInput,
  name: string,
  options: DatasetStatsOptions = {},
): Promise<DatasetStats> {
  if (input.count === 0) throw new DataError(name, 'has no images');
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const describe = (i: number) => input.describe?.(i) ?? `${name}: image ${i}`;
  const moments: (ImageMoments | undefined)[] = new Array(input.count);
  let channels = 0;
  let firstAt = 0;
  const height = { min: Number.POSITIVE_INFINITY, max: 0 };
  const width = { min: Number.POSITIVE_INFINITY, max: 0 };

  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < input.count) {
      const i = next++;
      const image = await input.get(i);
      if (channels === 0) {
        channels = image.channels;
        firstAt = i;
      } else if (image.channels !== channels) {
        throw new DataError(
          describe(i),
          `has ${image.channels} channel(s) but ${describe(firstAt)} has ${channels}; ` +
            'mixed grey and colour images (read them all as grey or as RGB)',
        );
      }
      height.min = Math.min(height.min, image.height);
      height.max = Math.max(height.max, image.height);
      width.min = Math.min(width.min, image.width);
      width.max = Math.max(width.max, image.width);
      moments[i] = imageMoments(image);
    }
  };
  const guarded = () =>
    worker().catch((error: unknown) => {
      failed = true; // the first error is the one reported; stop the other workers early
      throw error;
    });
  await Promise.all(Array.from({ length: Math.min(concurrency, input.count) }, guarded));

  let n = 0;
  const mean = new Float64Array(channels);
  const m2 = new Float64Array(channels);
  const min = new Float64Array(channels).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
  for (const m of moments as ImageMoments[]) {
    const total = n + m.n;
    for (let c = 0; c < channels; c++) {
      const delta = m.mean[c] - mean[c];
      mean[c] += (delta * m.n) / total;
      m2[c] += m.m2[c] + (delta * delta * n * m.n) / total;
      min[c] = Math.min(min[c], m.min[c]);
      max[c] = Math.max(max[c], m.max[c]);
    }
    n = total;
  }

  const counts = new Array<number>(input.classNames.length).fill(0);
  for (const label of input.labels) counts[label]++;
  return {
    source: name,
    images: input.count,
    channels,
    mean: Array.from(mean),
    std: Array.from(m2, (v) => Math.sqrt(v / n)),
    min: Array.from(min),
    max: Array.from(max),
    classes: input.classNames.map((className, k) => ({ name: className, count: counts[k] })),
    height,
    width,
  };
}

function imageMoments(image: Image): ImageMoments {
  const { data, channels } = image;
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const pixels = data.length / channels;
  const sum = new Float64Array(channels);
  const min = new Float64Array(channels).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
  for (let p = 0, c = 0; p < data.length; p++, c = c + 1 === channels ? 0 : c + 1) {
    const v = data[p];
    sum[c] += v;
    if (v < min[c]) min[c] = v;
    if (v > max[c]) max[c] = v;
  }
  const mean = sum.map((s) => s / pixels);
  const m2 = new Float64Array(channels);
  for (let p = 0, c = 0; p < data.length; p++, c = c + 1 === channels ? 0 : c + 1) {
    const d = data[p] - mean[c];
    m2[c] += d * d;
  }
  return {
    n: pixels,
    mean: mean.map((v) => v * scale),
    m2: m2.map((v) => v * scale * scale),
    min: min.map((v) => v * scale),
    max: max.map((v) => v * scale),
  };
}

/**
 * An in-memory float image set (NHWC, like `loadMnistDigits()`) as a stats input: images are
 * views, not copies.
 *
 * @example
 *   const input = imageSetInput(loadMnistDigits());
 */
export function imageSetInput(set: {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  shape: readonly [number, number, number];
  classNames: readonly string[];
}): StatsInput {
  const [height, width, channels] = set.shape;
  const size = height * width * channels;
  return {
    count: set.count,
    labels: set.labels,
    classNames: set.classNames,
    get: async (i) => ({
      data: set.images.subarray(i * size, (i + 1) * size),
      height,
      width,
      channels,
    }),
  };
}
