import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../core/rng.js';
import { relativeError } from '../testing/compare.js';
import { initEngine } from './backend.js';
import { batchNormTraining } from './fused-batch-norm.js';

function random(shape: number[], seed: number, lo = -2, hi = 2): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.range(lo, hi)),
    shape,
  );
}

/** tfjs's own path: moments and batchNorm, differentiated op by op. */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, beta, gamma, eps);
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`fused batch-norm value and gradients match tfjs's (${backend})`, async () => {
    await initEngine({ backend });
    for (const shape of [
      [4, 5, 6, 3],
      [2, 3, 3, 8],
      [16, 7],
      [1, 2, 2, 5],
    ]) {
      const c = shape[shape.length - 1];
      const x = random(shape, 1, -3, 5);
      const gamma = random([c], 2, 0.5, 1.5);
      const beta = random([c], 3);
      const dy = random(shape, 4);
      const loss = (f: typeof reference) => (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(xs, g, b, 1e-3), dy));
      const fused = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) =>
        batchNormTraining(xs, g, b, eps).y;
      const expected = tf.grads(loss(reference))([x, gamma, beta]);
      const actual = tf.grads(loss(fused))([x, gamma, beta]);
      ['dx', 'dgamma', 'dbeta'].forEach((name, i) => {
        const err = relativeError(actual[i].dataSync(), expected[i].dataSync());
        assert.ok(err <= 1e-4, `${name} ${shape}: relative error ${err}`);
      });
      const y = fused(x, gamma, beta, 1e-3);
      const yRef = reference(x, gamma, beta, 1e-3);
      assert.ok(relativeError(y.dataSync(), yRef.dataSync()) <= 1e-5);
      tf.dispose([x, gamma, beta, dy, ...expected, ...actual, y, yRef]);
    }
  });
}

test('a BatchNormalization layer trains with the fused path and updates its moving statistics', async () => {
  await initEngine({ backend: 'wasm' });
  const layer = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
  const x = random([8, 4, 4, 3], 5, 1, 3);
  tf.dispose(layer.apply(x, { training: false }) as tf.Tensor); // builds the weights
  const before = tf.memory().numTensors;
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  const [, , movingMean, movingVariance] = layer.getWeights();
  tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const expectMean = tf.mul(mean, 0.1);
    const expectVariance = tf.add(tf.mul(variance, 0.1), 0.9);
    assert.ok(relativeError(movingMean.dataSync(), expectMean.dataSync()) <= 1e-6);
    assert.ok(relativeError(movingVariance.dataSync(), expectVariance.dataSync()) <= 1e-6);
    const normalised = tf.moments(y, [0, 1, 2]);
    assert.ok(Math.max(...normalised.mean.dataSync()) < 1e-5);
  });
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  // Inference keeps the layer's own path: (x - moving mean) / sqrt(moving var + eps).
  tf.tidy(() => {
    const inference = layer.apply(x, { training: false }) as tf.Tensor;
    const manual = tf.div(tf.sub(x, movingMean), tf.sqrt(tf.add(movingVariance, 1e-3)));
    assert.ok(relativeError(inference.dataSync(), manual.dataSync()) <= 1e-5);
  });
  x.dispose();
});

test('on wasm the moving statistics are updated by one kernel, equal to the bit to the three ops, and nothing of it is taped', async () => {
  await initEngine({ backend: 'wasm' });
  const decay = 1 - 0.3;
  // Values whose differences and products round: magnitudes 0.01-100, both signs (rounding
  // once instead of after each op differs on about half of them).
  const spread = (seed: number) =>
    tf.mul(random([1000], seed, -1, 1), tf.pow(10, random([1000], seed + 1, -2, 2)));
  const old = spread(6);
  const value = spread(8);
  const ops = tf.sub(old, tf.mul(tf.sub(old, value), decay));
  const kernel = tf
    .engine()
    .runKernel('TunebookMovingAverage', { moving: old, value }, { decay }) as tf.Tensor;
  assert.deepEqual(
    new Uint32Array(kernel.dataSync().buffer.slice(0)),
    new Uint32Array(ops.dataSync().buffer.slice(0)),
  );
  tf.dispose([old, value, ops, kernel]);
  // A layer's training call under a gradient tape: one kernel per statistic, where the three
  // ops were two Subs and a Multiply each, whose inputs tfjs cloned for their gradients.
  const layer = tfl.layers.batchNormalization({ momentum: 0.99 });
  const x = random([4, 3, 3, 5], 9);
  tf.dispose(layer.apply(x, { training: false }) as tf.Tensor);
  const profile = await tf.profile(() => {
    tf.dispose(tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor)));
  });
  const names = profile.kernels.map((k) => k.name);
  assert.equal(names.filter((n) => n === 'TunebookMovingAverage').length, 2, names.join(' '));
  assert.equal(names.filter((n) => n === 'Sub').length, 0, names.join(' '));
  x.dispose();
});
