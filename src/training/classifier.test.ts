import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnistDigits } from '../data/mnist.js';
import { gather, stratifiedSplit } from '../data/subset.js';
import { initEngine } from '../engine/backend.js';
import { seedWeights } from '../engine/seeded-init.js';
import { resnet } from '../models/resnet.js';
import { smallCnn } from '../models/small-cnn.js';
import { tensorCountsAcross } from '../testing/compare.js';
import { evaluateAccuracy, trainClassifier } from './classifier.js';

const digits = loadMnistDigits();
const small = gather(digits, stratifiedSplit(digits.labels, 0.04, 11).test); // 400 digits

function lossesFor(seed: number, epochs = 2): number[] {
  const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
  seedWeights(model, seed);
  const optimizer = tf.train.adam(1e-3);
  const history = trainClassifier(model, optimizer, small, { epochs, batchSize: 32, seed });
  optimizer.dispose();
  model.dispose();
  return history.map((h) => h.meanLoss);
}

test('one seed gives the same training numbers on wasm; another seed others', async () => {
  await initEngine({ backend: 'wasm' });
  const a = lossesFor(5);
  const b = lossesFor(5);
  const c = lossesFor(6);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a[1] < a[0], `loss should fall: ${a}`);
});

test('no tensor leaks: numTensors is flat across epochs (small CNN and ResNet)', async () => {
  await initEngine({ backend: 'wasm' });
  for (const model of [
    smallCnn({ inputShape: [28, 28, 1], classes: 10 }),
    resnet({ inputShape: [28, 28, 1], classes: 10, widths: [8, 16], blocksPerStage: 1 }),
  ]) {
    seedWeights(model, 1);
    const optimizer = tf.train.adam(1e-3);
    const subset = gather(
      small,
      Array.from({ length: 128 }, (_, i) => i),
    );
    const counts = tensorCountsAcross(4, (epoch) =>
      trainClassifier(model, optimizer, subset, { epochs: 1, batchSize: 32, seed: epoch }),
    );
    // The first epoch creates the optimiser's slots; after that nothing may accumulate.
    assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]], `counts ${counts}`);
    const before = tf.memory().numTensors;
    evaluateAccuracy(model, subset);
    assert.equal(tf.memory().numTensors, before);
    optimizer.dispose();
    model.dispose();
  }
});

test('the reference CNN learns the digits on wasm', async () => {
  await initEngine({ backend: 'wasm' });
  const split = stratifiedSplit(digits.labels, 0.1, 3);
  const trainAll = gather(digits, split.train);
  // A stratified third: the digits are stored sorted by class, so a prefix would not do.
  const train = gather(trainAll, stratifiedSplit(trainAll.labels, 1 / 3, 4).test);
  const test = gather(digits, split.test);
  const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
  seedWeights(model, 0);
  trainClassifier(model, tf.train.adam(1e-3), train, { epochs: 2, batchSize: 64, seed: 0 });
  const accuracy = evaluateAccuracy(model, test);
  assert.ok(accuracy > 0.9, `test accuracy ${accuracy}`);
});
