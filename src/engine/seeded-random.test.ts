import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../core/rng.js';
import { initEngine } from './backend.js';
import { withSeededRandom } from './seeded-random.js';

test('dropout masks repeat under one seed and differ under another', async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.ones([64]);
  const mask = (seed: string) =>
    withSeededRandom(new Rng(seed), () => tf.tidy(() => Array.from(tf.dropout(x, 0.5).dataSync())));
  assert.deepEqual(mask('a'), mask('a'));
  assert.notDeepEqual(mask('a'), mask('b'));
  const original = Math.random;
  assert.throws(() => withSeededRandom(new Rng(1), () => Promise.resolve(1)), /synchronous/);
  assert.equal(Math.random, original);
  x.dispose();
});
