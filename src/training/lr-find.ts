/**
 * The learning-rate range test (Smith 2017; fastai's lr_find): over one pass the rate grows
 * exponentially from `min` to `max`, one optimiser step per batch, and the loss is recorded
 * (smoothed by an exponential moving average with bias correction). It stops once the
 * smoothed loss exceeds 4x its best. The suggestion is the rate where the smoothed loss falls
 * fastest against log(rate); the rate at the minimum divided by 10 is given too.
 *
 * @example
 *   const r = await lrRangeTest(model, train, { optimizer: { name: 'adam' }, batchSize: 64, seed: 0 });
 *   r.suggested; // e.g. 2.1e-3
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { DataLoader, type SampleTransform } from '../data/loader.js';
import type { ImageSource } from '../data/source.js';
import { withSeededRandom } from '../engine/seeded-random.js';
import { crossEntropy } from './losses.js';
import { makeOptimizer, type OptimizerSpec, setLearningRate } from './optimizers.js';

export interface RangeTestOptions {
  optimizer: OptimizerSpec;
  batchSize: number;
  seed: number;
  min?: number;
  max?: number;
  /** Steps of the sweep (default: one epoch of batches, at least 100; epochs repeat). */
  steps?: number;
  classWeights?: Float32Array | null;
  transform?: SampleTransform;
  layout?: 'nhwc' | 'nwc';
}

export interface RangeTestResult {
  rates: number[];
  losses: number[];
  smoothed: number[];
  suggested: number;
  minimumOver10: number;
}

export async function lrRangeTest(
  model: tfl.LayersModel,
  train: ImageSource,
  options: RangeTestOptions,
): Promise<RangeTestResult> {
  const min = options.min ?? 1e-7;
  const max = options.max ?? 10;
  if (!(min > 0 && max > min))
    throw new ConfigError('lr-find range', 'rates with 0 < min < max', `${min}..${max}`);
  const loader = new DataLoader(train, {
    batchSize: options.batchSize,
    seed: options.seed,
    transform: options.transform,
    layout: options.layout,
  });
  const steps = options.steps ?? Math.max(100, loader.batchCount);
  const optimizer = makeOptimizer({ ...options.optimizer, lr: min }, 'optimizer');
  const rng = new Rng(options.seed).fork('lr-find');
  const rates: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  let average = 0;
  let best = Number.POSITIVE_INFINITY;
  const vars = model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
  try {
    let step = 0;
    for (let epoch = 0; step < steps; epoch++) {
      for await (const batch of loader.epoch(epoch)) {
        if (step >= steps) break;
        const lr = min * (max / min) ** (step / Math.max(1, steps - 1));
        setLearningRate(optimizer, lr);
        const loss = withSeededRandom(rng.fork(String(step)), () =>
          tf.tidy(() => {
            const value = optimizer.minimize(
              () => {
                const raw = model.apply(batch.x, { training: true });
                const logits = Array.isArray(raw) ? (raw[0] as tf.Tensor) : (raw as tf.Tensor);
                return crossEntropy(batch.y, logits, {
                  classWeights: options.classWeights ?? null,
                });
              },
              true,
              vars,
            ) as tf.Scalar;
            return value.dataSync()[0];
          }),
        );
        rates.push(lr);
        losses.push(loss);
        average = 0.98 * average + 0.02 * loss;
        const s = average / (1 - 0.98 ** (step + 1));
        smoothed.push(s);
        step++;
        if (!Number.isFinite(s) || s > 4 * best) {
          step = steps;
          break;
        }
        best = Math.min(best, s);
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { rates, losses, smoothed, ...suggest(rates, smoothed) };
}

function suggest(
  rates: number[],
  smoothed: number[],
): { suggested: number; minimumOver10: number } {
  let minAt = 0;
  for (let i = 1; i < smoothed.length; i++) if (smoothed[i] < smoothed[minAt]) minAt = i;
  // Skip the first tenth (warm-up noise of the average) and stop at the minimum.
  const start = Math.floor(smoothed.length / 10);
  let steepest = start;
  let slope = Number.POSITIVE_INFINITY;
  for (let i = start + 1; i <= minAt; i++) {
    const g = (smoothed[i] - smoothed[i - 1]) / (Math.log(rates[i]) - Math.log(rates[i - 1]));
    if (g < slope) {
      slope = g;
      steepest = i;
    }
  }
  return { suggested: rates[steepest] ?? rates[0], minimumOver10: rates[minAt] / 10 };
}
