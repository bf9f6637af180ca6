/**
 * Batches of tfjs tensors from any `ImageSource`, as a PyTorch DataLoader gives them:
 *
 * - order: epoch e is a permutation drawn from `seed` and e alone (or index order with
 *   `shuffle: false`), so epoch 3 is the same whether or not epochs 0-2 were iterated;
 * - `transform(image, rng)`: a per-sample function (augmentation, normalisation) whose `rng`
 *   is forked from the seed, the epoch and the position in the epoch, so an augmented epoch
 *   is reproducible whatever the batch size, and a sample repeated by over-sampling gets a
 *   different draw for each copy;
 * - 8-bit images (no transform, or a transform returning 8-bit) become float32 in [0, 1] as
 *   torchvision's ToTensor does; float images pass unchanged;
 * - `x` is NHWC float32 ([batch, height, width, channels]; torchvision is NCHW), or NWC with
 *   `layout: 'nwc'` for signals (height 1); `y` is one-hot float32 [batch, classes];
 * - memory stays flat: a batch's tensors are disposed when the next batch is requested and
 *   when the loop ends or breaks, so keep (clone) a tensor to use it longer. While the caller
 *   works on one batch, the images of the next are already being fetched.
 *
 * @example
 *   const loader = new DataLoader(source, { batchSize: 64, seed: 1, indices: split.train });
 *   for (let epoch = 0; epoch < 10; epoch++) {
 *     for await (const { x, y } of loader.epoch(epoch)) trainStep(model, optimizer, x, y);
 *   }
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { Rng } from '../core/rng.js';
import { checkSeed } from './by-class.js';
import { checkIndex, describeSample, type ImageSource, writeFloat } from './source.js';

/** A per-sample transform: takes an image and a seeded RNG, returns a new image. */
export type SampleTransform = (image: Image, rng: Rng) => Image | Promise<Image>;

export const BATCH_LAYOUTS = ['nhwc', 'nwc'] as const;
export type BatchLayout = (typeof BATCH_LAYOUTS)[number];

export interface LoaderOptions {
  batchSize: number;
  seed: number;
  /** Reshuffle each epoch (default true); false keeps the index order. */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** The samples to load (a split, a resampled list; repeats allowed); default all. */
  indices?: ArrayLike<number>;
  transform?: SampleTransform;
  /** 'nhwc' (default) or 'nwc' for one-row images (signals): [batch, width, channels]. */
  layout?: BatchLayout;
}

export interface Batch {
  x: tf.Tensor;
  /** One-hot labels, float32 [batch, classes]. */
  y: tf.Tensor2D;
  /** Class index per sample. */
  labels: Int32Array;
  /** Source index per sample. */
  indices: Int32Array;
}

export class DataLoader {
  readonly batchSize: number;
  readonly seed: number;
  private readonly indices: Int32Array;
  private readonly options: LoaderOptions;
  private readonly root: Rng;

  constructor(
    readonly source: ImageSource,
    options: LoaderOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ConfigError('batchSize', 'an integer >= 1', batchSize);
    }
    this.batchSize = batchSize;
    this.seed = checkSeed(options.seed);
    const layout = options.layout ?? 'nhwc';
    if (!(BATCH_LAYOUTS as readonly string[]).includes(layout)) {
      throw new ConfigError('layout', BATCH_LAYOUTS.join(' or '), layout);
    }
    if (options.transform !== undefined && typeof options.transform !== 'function') {
      throw new ConfigError('transform', 'a function (image, rng) => image', options.transform);
    }
    this.indices = options.indices
      ? Int32Array.from(options.indices as ArrayLike<number>)
      : Int32Array.from({ length: source.count }, (_, i) => i);
    this.indices.forEach((i, k) => {
      checkIndex(i, source.count, `indices[${k}]`);
    });
    this.options = { ...options, layout };
    this.root = new Rng(this.seed).fork('loader');
  }

  /** Samples per epoch. */
  get size(): number {
    return this.indices.length;
  }

  /** Batches per epoch. */
  get batchCount(): number {
    const n = this.indices.length;
    return this.options.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The source indices of epoch `epoch`, in the order they are batched. */
  order(epoch: number): Int32Array {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new ConfigError('epoch', 'an integer >= 0', epoch);
    }
    if (this.options.shuffle === false) return Int32Array.from(this.indices);
    const permutation = this.root.fork(`order ${epoch}`).permutation(this.indices.length);
    return permutation.map((p) => this.indices[p]);
  }

  /**
   * The batches of epoch `epoch`. Each batch's tensors are disposed when the next one is
   * requested or the loop ends.
   */
  async *epoch(epoch: number): AsyncGenerator<Batch, void, undefined> {
    const order = this.order(epoch);
    const epochRng = this.root.fork(`epoch ${epoch}`);
    const starts: number[] = [];
    for (let b = 0; b < this.batchCount; b++) starts.push(b * this.batchSize);
    const fetch = (start: number) => {
      const picked = order.subarray(start, Math.min(start + this.batchSize, order.length));
      return Promise.all(Array.from(picked, (i, k) => this.sample(i, epochRng, start + k))).then(
        (images) => ({ picked, images }),
      );
    };
    let current: Batch | null = null;
    let next = starts.length > 0 ? fetch(starts[0]) : null;
    // A prefetch that fails while the caller is still on an earlier batch must not surface
    // as an unhandled rejection; it is awaited (and thrown) in turn below.
    next?.catch(() => {});
    try {
      for (let b = 0; b < starts.length; b++) {
        const { picked, images } = await next!;
        next = b + 1 < starts.length ? fetch(starts[b + 1]) : null;
        next?.catch(() => {});
        tf.dispose(current ? [current.x, current.y] : []);
        current = this.assemble(picked, images);
        yield current;
      }
    } finally {
      if (current) tf.dispose([current.x, current.y]);
    }
  }

  private async sample(i: number, epochRng: Rng, position: number): Promise<Image> {
    const image = await this.source.get(i);
    const transform = this.options.transform;
    if (!transform) return image;
    return transform(image, epochRng.fork(`position ${position}`));
  }

  private assemble(picked: Int32Array, images: Image[]): Batch {
    const first = images[0];
    const { height, width, channels } = first;
    const size = height * width * channels;
    const data = new Float32Array(images.length * size);
    images.forEach((image, k) => {
      if (image.height !== height || image.width !== width || image.channels !== channels) {
        throw new DataError(
          describeSample(this.source, picked[k]),
          `image is ${image.height}x${image.width}x${image.channels}, but others in its batch ` +
            `are ${height}x${width}x${channels}; add a resize (or crop) transform`,
        );
      }
      if (image.data.length !== size) {
        throw new DataError(
          describeSample(this.source, picked[k]),
          `image data holds ${image.data.length} values, its shape says ${size}`,
        );
      }
      writeFloat(image, data, k * size);
    });
    const labels = Int32Array.from(picked, (i) => this.source.labels[i]);
    let x: tf.Tensor;
    if (this.options.layout === 'nwc') {
      if (height !== 1) {
        throw new ConfigError('layout', "'nhwc' for images more than one row high", 'nwc');
      }
      x = tf.tensor3d(data, [images.length, width, channels]);
    } else {
      x = tf.tensor4d(data, [images.length, height, width, channels]);
    }
    const classes = this.source.classNames.length;
    const y = tf.tidy(() =>
      tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'),
    ) as tf.Tensor2D;
    return { x, y, labels, indices: Int32Array.from(picked) };
  }
}
