/**
 * 1-D signals in memory: `count` samples of `length` steps and `channels` channels, with a
 * class label each. As an `ImageSource`, a signal is a float image one row high
 * (1 x length x channels), so the loader batches it like an image; its `layout: 'nwc'`
 * option drops the row for 1-D convolutions.
 *
 * @example
 *   const set = syntheticSignals({ seed: 1 });
 *   const source = signalSource(set);
 *   const img = await source.get(0); // { height: 1, width: set.length, channels: 1 }
 */
import type { Image } from '../core/image.js';
import { checkIndex, type ImageSource } from './source.js';

export interface SignalSet {
  /** count x length x channels, row-major. */
  signals: Float32Array;
  count: number;
  length: number;
  channels: number;
  labels: Int32Array;
  classNames: string[];
}

/**
 * Signal `i` (a view: length x channels values).
 *
 * @example
 *   const first = signalAt(set, 0);
 */
export function signalAt(set: SignalSet, i: number): Float32Array {
  checkIndex(i, set.count);
  const size = set.length * set.channels;
  return set.signals.subarray(i * size, (i + 1) * size);
}

/**
 * A signal set as an `ImageSource` of 1 x length x channels float images (views).
 *
 * @example
 *   const loader = new DataLoader(signalSource(set), { batchSize: 32, seed: 1, layout: 'nwc' });
 */
export function signalSource(set: SignalSet, name = 'signal'): ImageSource {
  return {
    count: set.count,
    labels: set.labels,
    classNames: set.classNames,
    shape: [1, set.length, set.channels],
    get: async (i: number): Promise<Image> => ({
      data: signalAt(set, i),
      height: 1,
      width: set.length,
      channels: set.channels,
    }),
    describe: (i: number) => `${name} ${i}`,
  };
}
