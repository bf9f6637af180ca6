import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../core/rng.js';
import { resnet } from '../models/resnet.js';
import { smallCnn } from '../models/small-cnn.js';
import { initEngine } from './backend.js';
import { computeFans, drawInitial, seedWeights } from './seeded-init.js';

function weightsOf(model: { getWeights(): tf.Tensor[] }): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

test('one seed gives the same initial weights; another seed other weights', async () => {
  await initEngine({ backend: 'wasm' });
  const build = (seed: number) => {
    const m = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
    seedWeights(m, seed);
    return m;
  };
  const a = weightsOf(build(3));
  const b = weightsOf(build(3));
  const c = weightsOf(build(4));
  assert.equal(a.length, 8);
  for (const [i, w] of a.entries()) assert.deepEqual(w, b[i]);
  assert.notDeepEqual(a[0], c[0]);
  // Biases keep their zeros initializer.
  assert.ok(a[1].every((v) => v === 0));
});

test('seeded weights are the same on cpu and wasm', async () => {
  await initEngine({ backend: 'cpu' });
  const onCpu = resnet({ inputShape: [16, 16, 3], classes: 4 });
  seedWeights(onCpu, 9);
  const cpu = weightsOf(onCpu);
  await initEngine({ backend: 'wasm' });
  const onWasm = resnet({ inputShape: [16, 16, 3], classes: 4 });
  seedWeights(onWasm, 9);
  const wasm = weightsOf(onWasm);
  for (const [i, w] of cpu.entries()) assert.deepEqual(w, wasm[i]);
});

test('Glorot uniform draws lie within the Keras limit and fill it', () => {
  const shape = [3, 3, 32, 64];
  const [fanIn, fanOut] = computeFans(shape);
  assert.deepEqual([fanIn, fanOut], [288, 576]);
  const init = {
    getClassName: () => 'VarianceScaling',
    getConfig: () => ({ scale: 1, mode: 'fanAvg', distribution: 'uniform' }),
  };
  const values = drawInitial(init, shape, new Rng(1), 'test');
  const limit = Math.sqrt(3 / ((fanIn + fanOut) / 2));
  const max = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(max <= limit && max > 0.98 * limit, `max ${max} limit ${limit}`);
});

test('He normal draws are truncated at two standard deviations with the right spread', () => {
  const init = {
    getClassName: () => 'VarianceScaling',
    getConfig: () => ({ scale: 2, mode: 'fanIn', distribution: 'normal' }),
  };
  const values = drawInitial(init, [100, 200], new Rng(2), 'test');
  const std = Math.sqrt(2 / 100);
  let sq = 0;
  for (const v of values) {
    assert.ok(Math.abs(v) <= 2 * std + 1e-7);
    sq += v * v;
  }
  // A standard normal truncated at +-2 has variance 0.774.
  assert.ok(Math.abs(Math.sqrt(sq / values.length) / std - Math.sqrt(0.774)) < 0.02);
});

test('orthogonal initializer gives orthonormal columns', () => {
  const init = { getClassName: () => 'Orthogonal', getConfig: () => ({ gain: 1 }) };
  const q = drawInitial(init, [6, 4], new Rng(3), 'test');
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      let dot = 0;
      for (let i = 0; i < 6; i++) dot += q[i * 4 + a] * q[i * 4 + b];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-5);
    }
  }
});

test('an unknown initializer is an error naming the weight', () => {
  const init = { getClassName: () => 'Mystery', getConfig: () => ({}) };
  assert.throws(
    () => drawInitial(init, [2, 2], new Rng(1), 'dense/kernel'),
    /dense\/kernel: initializer Mystery/,
  );
});
