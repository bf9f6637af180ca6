/**
 * Evaluation of a classifier on a data source: mean cross-entropy of the main head, the
 * classification metrics, the predictions, and the same for every multi-task head. No
 * augmentation; the evaluation transform (preprocessing) only.
 *
 * @example
 *   const { loss, metrics } = await evaluate(model, testSource, { batchSize: 256 });
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataLoader, type SampleTransform } from '../data/loader.js';
import type { ImageSource } from '../data/source.js';
import { type ClassificationMetrics, classificationMetrics } from './metrics.js';
import type { TaskHead } from './multitask.js';

export interface Evaluation {
  loss: number;
  metrics: ClassificationMetrics;
  predictions: Int32Array;
  heads: Record<string, ClassificationMetrics>;
}

export interface EvaluateOptions {
  batchSize?: number;
  transform?: SampleTransform;
  heads?: TaskHead[];
  indices?: ArrayLike<number>;
  layout?: 'nhwc' | 'nwc';
}

export async function evaluate(
  model: tfl.LayersModel,
  source: ImageSource,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const heads = options.heads ?? [];
  const loader = new DataLoader(source, {
    batchSize: options.batchSize ?? 256,
    seed: 0,
    shuffle: false,
    transform: options.transform,
    indices: options.indices,
    layout: options.layout,
  });
  const n = loader.size;
  const predictions = new Int32Array(n);
  const labels = new Int32Array(n);
  const headPredictions = heads.map(() => new Int32Array(n));
  let lossSum = 0;
  let offset = 0;
  for await (const batch of loader.epoch(0)) {
    const rows = batch.labels.length;
    const outputs = tf.tidy(() => {
      const raw = model.predict(batch.x);
      const list = Array.isArray(raw) ? raw : [raw];
      const loss = tf.losses.softmaxCrossEntropy(
        batch.y,
        list[0],
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      return { loss, classes: list.map((o) => tf.argMax(o, -1)) };
    });
    lossSum += (await outputs.loss.data())[0];
    predictions.set((await outputs.classes[0].data()) as Int32Array, offset);
    for (let h = 0; h < heads.length; h++) {
      headPredictions[h].set((await outputs.classes[h + 1].data()) as Int32Array, offset);
    }
    labels.set(batch.labels, offset);
    tf.dispose([outputs.loss, ...outputs.classes]);
    offset += rows;
  }
  const classes = source.classNames.length;
  const headMetrics: Record<string, ClassificationMetrics> = {};
  heads.forEach((head, h) => {
    const truth = labels.map((l) => head.target(l));
    headMetrics[head.name] = classificationMetrics(truth, headPredictions[h], head.classes);
  });
  return {
    loss: lossSum / Math.max(1, n),
    metrics: classificationMetrics(labels, predictions, classes),
    predictions,
    heads: headMetrics,
  };
}
