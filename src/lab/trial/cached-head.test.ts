/**
 * Cached frozen features give the uncached trial's numbers: same losses per epoch, same test
 * metrics (to float tolerance), with the backbone run once for all seeds.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { featureCacheStats, setFeatureCacheBudget } from '../../training/feature-cache.js';
import { parseStudy } from '../config/load.js';
import { featureCacheApplies } from './cached-head.js';
import { runTrial } from './run-trial.js';

const weights = fileURLToPath(
  new URL('../../../../test/fixtures/models/basic.pth', import.meta.url),
);
const study = (extra = '') =>
  parseStudy(`name: cache
data: { source: mnist, classes: [5, 6, 7], limit: 240, preprocessing: imagenet }
model:
  name: small-cnn
  dropout: { rate: 0.3, where: head }
  extraDense: [16]
  pretrained: { source: ${JSON.stringify(weights)}, from: torchvision, freeze: frozen }
training: { epochs: 3, batchSize: 32, optimizer: { name: adam, lr: 0.01 }${extra} }
measures:
  - classWeights: balanced
`);

const saved = process.env.TUNEBOOK_FEATURE_CACHE;
after(() => {
  process.env.TUNEBOOK_FEATURE_CACHE = saved;
});

async function trial(seed: number, cache: boolean, extra = '') {
  process.env.TUNEBOOK_FEATURE_CACHE = cache ? 'on' : 'off';
  return runTrial({ config: study(extra).config, seed, backend: 'wasm' });
}

test('the cached path gives the uncached metrics and losses, and reuses the features across seeds', async () => {
  setFeatureCacheBudget(64 * 2 ** 20);
  for (const seed of [0, 1]) {
    const plain = await trial(seed, false);
    const cached = await trial(seed, true);
    assert.equal(cached.state, plain.state);
    for (const [name, value] of Object.entries(plain.metrics)) {
      assert.ok(
        Math.abs(cached.metrics[name] - value) < 1e-4,
        `${name}: ${cached.metrics[name]} vs ${value}`,
      );
    }
    plain.epochs.forEach((e, i) => {
      const c = cached.epochs[i];
      assert.ok(Math.abs(c.trainLoss - e.trainLoss) < 1e-4, `epoch ${i} train loss`);
      assert.ok(Math.abs((c.valLoss ?? 0) - (e.valLoss ?? 0)) < 1e-4, `epoch ${i} val loss`);
    });
    assert.deepEqual(cached.result.confusion, plain.result.confusion);
    assert.equal(cached.result.trainableParameters, plain.result.trainableParameters);
  }
  // The head model's hold on the shared layers is released: no tensor outlives a trial.
  const before = tf.memory().numTensors;
  await trial(2, true);
  assert.equal(tf.memory().numTensors, before);
  const stats = featureCacheStats();
  assert.equal(stats.misses, 1, 'one extraction for both seeds');
  assert.equal(stats.hits, 2);
});

test('online augmentation, resampling or a backbone that trains keep the uncached path', () => {
  const base = study().config;
  assert.equal(featureCacheApplies(base, 'frozen'), true);
  assert.equal(featureCacheApplies(base, 'unfreeze-after'), false);
  const augmented = study(', augment: [{ randomHorizontalFlip: {} }]').config;
  assert.equal(featureCacheApplies(augmented, 'frozen'), false);
});
