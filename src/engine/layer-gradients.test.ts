/**
 * Every kind of layer tunebook's models (and users' pretrained backbones) are made of must
 * train on wasm, with the gradients the cpu backend gives. Finding what wasm lacks is the
 * point: an LSTM needs tensor methods tfjs-core's Node bundle lacks, an embedding needs
 * UnsortedSegmentSum, a separable conv the depthwise backprops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../core/rng.js';
import { relativeError } from '../testing/compare.js';
import { initEngine } from './backend.js';
import { seedWeights } from './seeded-init.js';

const L = tfl.layers;
const MODELS: Record<string, { build: () => tfl.Sequential; input: number[]; ints?: number }> = {
  mlp: {
    build: () =>
      tfl.sequential({
        layers: [
          L.flatten({ inputShape: [6, 6, 1] }),
          L.dense({ units: 12, activation: 'relu' }),
          L.dense({ units: 8, activation: 'tanh' }),
          L.dense({ units: 4 }),
        ],
      }),
    input: [6, 6, 1],
  },
  conv1d: {
    build: () =>
      tfl.sequential({
        layers: [
          L.conv1d({
            inputShape: [24, 2],
            filters: 6,
            kernelSize: 5,
            strides: 2,
            activation: 'relu',
          }),
          L.maxPooling1d({ poolSize: 2 }),
          L.batchNormalization(),
          L.globalAveragePooling1d(),
          L.dense({ units: 4 }),
        ],
      }),
    input: [24, 2],
  },
  separable: {
    build: () =>
      tfl.sequential({
        layers: [
          L.separableConv2d({
            inputShape: [10, 10, 3],
            filters: 6,
            kernelSize: 3,
            padding: 'same',
          }),
          L.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2 }),
          L.averagePooling2d({ poolSize: 2 }),
          L.globalMaxPooling2d({}),
          L.dense({ units: 4 }),
        ],
      }),
    input: [10, 10, 3],
  },
  activations: {
    build: () =>
      tfl.sequential({
        layers: [
          L.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'elu' }),
          L.leakyReLU(),
          L.zeroPadding2d({ padding: 1 }),
          L.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'sigmoid' }),
          L.flatten(),
          L.dense({ units: 6, activation: 'selu' }),
          L.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
    input: [8, 8, 1],
  },
  lstm: {
    build: () =>
      tfl.sequential({ layers: [L.lstm({ inputShape: [5, 3], units: 4 }), L.dense({ units: 4 })] }),
    input: [5, 3],
  },
  embedding: {
    build: () =>
      tfl.sequential({
        layers: [
          L.embedding({ inputDim: 9, outputDim: 3, inputLength: 4 }),
          L.flatten(),
          L.dense({ units: 4 }),
        ],
      }),
    input: [4],
    ints: 9,
  },
};

function gradients(name: string): Float32Array[] {
  const spec = MODELS[name];
  const model = spec.build();
  seedWeights(model, 7);
  const rng = new Rng(`${name}-input`);
  const n = 3 * spec.input.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: n }, () =>
    spec.ints ? rng.int(spec.ints) : rng.range(-1, 1),
  );
  const x = tf.tensor(values, [3, ...spec.input], spec.ints ? 'int32' : 'float32');
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 2, 3], 'int32'), 4), 'float32'));
  const { value, grads } = tf.variableGrads(
    () =>
      tf.losses.softmaxCrossEntropy(
        y,
        model.apply(x, { training: true }) as tf.Tensor,
      ) as tf.Scalar,
    model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read()),
  );
  const out = Object.values(grads).map((g) => Float32Array.from(g.dataSync() as Float32Array));
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

for (const name of Object.keys(MODELS)) {
  test(`${name}: trains on wasm with the cpu backend's gradients`, async () => {
    await initEngine({ backend: 'cpu' });
    const cpu = gradients(name);
    await initEngine({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const wasm = gradients(name);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    assert.equal(wasm.length, cpu.length);
    wasm.forEach((g, i) => {
      const err = relativeError(g, cpu[i]);
      assert.ok(err <= 1e-4, `${name} weight ${i}: relative error ${err}`);
    });
  });
}

test('nearest-neighbour upsampling gradient on wasm sums each block (the cpu backend mixes batches)', async () => {
  // tfjs-backend-cpu's ResizeNearestNeighborGrad offsets dy by the input's batch stride, so
  // for batch > 1 it is wrong; the reference here is the sum over each 2x2 block.
  await initEngine({ backend: 'wasm' });
  const dyValues = Array.from({ length: 2 * 4 * 4 }, (_, i) => i);
  const dx = tf.tidy(() => {
    const dy = tf.tensor4d(dyValues, [2, 4, 4, 1]);
    const f = (x: tf.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 4]), dy));
    return tf.grad(f)(tf.zeros([2, 2, 2, 1]));
  });
  const expected: number[] = [];
  for (let b = 0; b < 2; b++)
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 2; c++) {
        let s = 0;
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++) s += dyValues[(b * 4 + 2 * r + i) * 4 + 2 * c + j];
        expected.push(s);
      }
  assert.deepEqual([...dx.dataSync()], expected);
  dx.dispose();
});
