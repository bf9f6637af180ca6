import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from '../engine/backend.js';
import { seedWeights } from '../engine/seeded-init.js';
import { DROPOUT_PLACES, type DropoutPlace } from './heads.js';
import { buildModel, type ModelSpec, parameterCount } from './registry.js';
import { changed, oneHot, pathTo, sgdStep, snapshot } from './test-helpers.js';

/** The layers from the trunk's features to the main classifier. */
function headPath(model: tfl.LayersModel): string[] {
  const path = pathTo(model, 'main');
  return path.slice(path.indexOf('features'));
}

const CNN: ModelSpec = { name: 'small-cnn', inputShape: [28, 28, 1], classes: 10 };

test('dropout sits where `where` says, for each placement', async () => {
  await initEngine({ backend: 'wasm' });
  const expected: Record<DropoutPlace, string[]> = {
    head: ['features', 'head_dropout', 'dense_1', 'extra_dense_1', 'main'],
    'after-each-dense': [
      'features',
      'dense_1',
      'dense_1_dropout',
      'extra_dense_1',
      'extra_dense_1_dropout',
      'main',
    ],
    'before-classifier': ['features', 'dense_1', 'extra_dense_1', 'classifier_dropout', 'main'],
  };
  for (const where of DROPOUT_PLACES) {
    const model = buildModel({ ...CNN, extraDense: [32], dropout: { rate: 0.3, where } });
    assert.deepEqual(headPath(model), expected[where], where);
    const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');
    assert.ok(dropouts.length > 0);
    for (const d of dropouts) assert.equal(d.getConfig().rate, 0.3);
    // Dropout adds no parameters.
    assert.equal(parameterCount(model).total, 225_034 + 128 * 32 + 32 + (32 * 10 + 10) - 1290);
    model.dispose();
  }
  const plain = buildModel(CNN);
  assert.deepEqual(headPath(plain), ['features', 'dense_1', 'main']);
  plain.dispose();
});

test('dropout placements on models without hidden dense layers, and on an MLP', async () => {
  await initEngine({ backend: 'wasm' });
  const resnet = (where: DropoutPlace) =>
    buildModel({
      name: 'resnet',
      inputShape: [16, 16, 1],
      classes: 3,
      options: { widths: [4], blocksPerStage: 1 },
      dropout: { rate: 0.5, where },
    });
  // Without hidden layers "head" and "before-classifier" are one place: pool -> drop -> main.
  for (const [where, name] of [
    ['head', 'head_dropout'],
    ['before-classifier', 'classifier_dropout'],
  ] as const) {
    const model = resnet(where);
    assert.deepEqual(headPath(model), ['features', name, 'main']);
    model.dispose();
  }
  const mlp = buildModel({
    name: 'mlp',
    inputShape: [8, 8, 1],
    classes: 4,
    options: { hidden: [16, 8] },
    dropout: { rate: 0.2, where: 'after-each-dense' },
  });
  assert.deepEqual(headPath(mlp), [
    'features',
    'dense_1',
    'dense_1_dropout',
    'dense_2',
    'dense_2_dropout',
    'main',
  ]);
  mlp.dispose();
});

test('dropout drops in training only', async () => {
  await initEngine({ backend: 'wasm' });
  const model = buildModel({
    name: 'mlp',
    inputShape: [32],
    classes: 2,
    options: { hidden: [64] },
    dropout: { rate: 0.5, where: 'head' },
  });
  seedWeights(model, 1);
  const x = tf.ones([1, 32]);
  const run = (training: boolean) =>
    tf.tidy(() => Array.from((model.apply(x, { training }) as tf.Tensor).dataSync()));
  assert.deepEqual(run(false), run(false));
  assert.notDeepEqual(run(true), run(true));
  x.dispose();
  model.dispose();
});

test('extraDense inserts dense+relu layers of the given units before the classifier', async () => {
  await initEngine({ backend: 'wasm' });
  const model = buildModel({ ...CNN, extraDense: [256, 128] });
  assert.deepEqual(headPath(model), [
    'features',
    'dense_1',
    'extra_dense_1',
    'extra_dense_2',
    'main',
  ]);
  for (const [name, units] of [
    ['extra_dense_1', 256],
    ['extra_dense_2', 128],
  ] as const) {
    const config = model.getLayer(name).getConfig();
    assert.equal(config.units, units);
    assert.equal(config.activation, 'relu');
  }
  // dense_1 (128) -> 256 -> 128 -> main: the main classifier keeps 128*10+10.
  assert.equal(parameterCount(model).total, 225_034 + (128 * 256 + 256) + (256 * 128 + 128));
  model.dispose();
});

test('multiTask adds named heads on the shared features; main stays output 0', async () => {
  await initEngine({ backend: 'wasm' });
  const spec: ModelSpec = {
    ...CNN,
    extraDense: [32],
    dropout: { rate: 0.1, where: 'before-classifier' },
    multiTask: [
      { name: 'parity', classes: 2, weight: 0.5 },
      { name: 'high', classes: 5, weight: 1 },
    ],
  };
  const model = buildModel(spec);
  assert.deepEqual(model.outputNames, ['main', 'parity', 'high']);
  const shared = ['main', 'parity', 'high'].map((n) => pathTo(model, n).at(-2));
  assert.deepEqual(shared, ['classifier_dropout', 'classifier_dropout', 'classifier_dropout']);
  seedWeights(model, 2);
  const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1);
  const outputs = model.predict(x) as tf.Tensor[];
  assert.deepEqual(
    outputs.map((o) => o.shape),
    [
      [3, 10],
      [3, 2],
      [3, 5],
    ],
  );
  tf.dispose(outputs);
  // One step trains every head and the shared trunk.
  const before = snapshot(model);
  const targets = [oneHot(3, 10, 1), oneHot(3, 2, 2), oneHot(3, 5, 3)];
  sgdStep(model, x, targets);
  const moved = changed(before, snapshot(model));
  for (const name of ['parity/kernel', 'high/kernel', 'main/kernel', 'conv1/kernel']) {
    assert.ok(moved.includes(name), name);
  }
  tf.dispose([x, ...targets]);
  model.dispose();
});
