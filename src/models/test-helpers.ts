/**
 * Helpers for the models tests: weight snapshots and one optimiser step the way the training
 * loop takes it (on the variables of `model.trainableWeights`, so frozen layers sit out).
 *
 * @example
 *   const before = snapshot(model);
 *   sgdStep(model, x, [y]);
 *   changed(before, snapshot(model)); // names of the weights that moved
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Weight values by name (copies: the tensors are the live variables). */
export function snapshot(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(
    model.weights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync())]),
  );
}

/** Names of weights whose values differ between two snapshots. */
export function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a.keys()].filter((k) => {
    const x = a.get(k)!;
    const y = b.get(k)!;
    return x.some((v, i) => v !== y[i]);
  });
}

/** One SGD step on summed softmax cross-entropy over the outputs; returns the loss. */
export function sgdStep(
  model: tfl.LayersModel,
  x: tf.Tensor,
  targets: tf.Tensor[],
  lr = 0.1,
): number {
  const optimizer = tf.train.sgd(lr);
  const vars = model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
  const loss = optimizer.minimize(
    () => {
      const raw = model.apply(x, { training: true });
      const outputs = Array.isArray(raw) ? (raw as tf.Tensor[]) : [raw as tf.Tensor];
      return tf.addN(
        outputs.map((out, i) => tf.losses.softmaxCrossEntropy(targets[i], out)),
      ) as tf.Scalar;
    },
    true,
    vars,
  ) as tf.Scalar;
  const value = loss.dataSync()[0];
  loss.dispose();
  optimizer.dispose();
  return value;
}

/** Random one-hot targets for `batch` samples of `classes` classes, seeded. */
export function oneHot(batch: number, classes: number, seed: number): tf.Tensor {
  return tf.tidy(() =>
    tf.cast(tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32', seed), classes), 'float32'),
  );
}

/** The layer names on the path from the input to the layer `name` (a chain), in order. */
export function pathTo(model: tfl.LayersModel, name: string): string[] {
  const path: string[] = [];
  let layer: tfl.layers.Layer | undefined = model.getLayer(name);
  while (layer) {
    path.unshift(layer.name);
    const node: { inboundLayers: tfl.layers.Layer[] } | undefined = (
      layer as unknown as { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] }
    ).inboundNodes[0];
    layer = node?.inboundLayers[0];
  }
  return path;
}
