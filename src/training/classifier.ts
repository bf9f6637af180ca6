/**
 * A plain, deterministic training loop for a classifier on an in-memory image set: seeded
 * shuffling per epoch, softmax cross-entropy on logits, one optimiser step per batch, and
 * accuracy on held-out data. The study runner's richer loop (schedules, early stopping,
 * checkpoints) builds on these steps.
 *
 * @example
 *   const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
 *   seedWeights(model, 1);
 *   const history = trainClassifier(model, tf.train.adam(1e-3), train, { epochs: 2, batchSize: 64, seed: 1 });
 *   const accuracy = evaluateAccuracy(model, test);
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../core/rng.js';
import type { ImageSet } from '../data/mnist.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  /** Called after each epoch with its mean training loss. */
  onEpoch?: (epoch: number, meanLoss: number, seconds: number) => void;
}

export interface EpochRecord {
  epoch: number;
  meanLoss: number;
  seconds: number;
}

/** One optimiser step on a batch; returns the batch loss. */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
): number {
  const loss = optimizer.minimize(
    () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
    true,
  ) as tf.Scalar;
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

/** Copies the samples at `indices` into a batch tensor and one-hot labels. */
export function makeBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const data = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    data.set(set.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i];
  }
  const x = tf.tensor4d(data, [indices.length, ...set.shape]);
  const y = tf.tidy(() =>
    tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), set.classes), 'float32'),
  ) as tf.Tensor2D;
  return { x, y };
}

export function trainClassifier(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  set: ImageSet,
  options: TrainOptions,
): EpochRecord[] {
  const rng = new Rng(options.seed).fork('shuffle');
  const history: EpochRecord[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const start = performance.now();
    const order = rng.permutation(set.count);
    let total = 0;
    let batches = 0;
    for (let b = 0; b < set.count; b += options.batchSize) {
      const { x, y } = makeBatch(
        set,
        order.subarray(b, Math.min(b + options.batchSize, set.count)),
      );
      total += trainStep(model, optimizer, x, y);
      batches++;
      x.dispose();
      y.dispose();
    }
    const record = {
      epoch,
      meanLoss: total / batches,
      seconds: (performance.now() - start) / 1000,
    };
    history.push(record);
    options.onEpoch?.(record.epoch, record.meanLoss, record.seconds);
  }
  return history;
}

/** Predicted classes (argmax of the logits), in batches. */
export function predictClasses(model: tfl.LayersModel, set: ImageSet, batchSize = 256): Int32Array {
  const out = new Int32Array(set.count);
  for (let b = 0; b < set.count; b += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, set.count - b) }, (_, k) => b + k);
    const { x, y } = makeBatch(set, indices);
    const pred = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1));
    out.set(pred.dataSync() as Int32Array, b);
    tf.dispose([x, y, pred]);
  }
  return out;
}

export function evaluateAccuracy(model: tfl.LayersModel, set: ImageSet): number {
  const pred = predictClasses(model, set);
  let correct = 0;
  for (let i = 0; i < set.count; i++) if (pred[i] === set.labels[i]) correct++;
  return correct / set.count;
}
