/**
 * The assumptions the engine's patches of TensorFlow.js make, checked against the installed
 * tfjs: when an upgrade moves what a patch relies on, this fails first, naming the patch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from './backend.js';
import { batchNormPrototype, fusedBatchNormInstalled } from './fused-batch-norm.js';

test('BatchNormalization: one prototype call, and the fields the patch reads (fused-batch-norm.ts)', async () => {
  await initEngine({ backend: 'cpu' });
  assert.ok(fusedBatchNormInstalled());
  const layer = tfl.layers.batchNormalization({});
  assert.equal(layer.getClassName(), 'BatchNormalization');
  // The patch replaces the prototype's own `call`; every instance must reach it.
  assert.ok(Object.hasOwn(batchNormPrototype(), 'call'));
  assert.ok(!Object.hasOwn(layer, 'call'));
  layer.apply(tf.zeros([2, 3]));
  const fields = layer as unknown as Record<string, unknown>;
  for (const name of ['axis', 'epsilon', 'momentum', 'trainable'])
    assert.ok(name in fields, `BatchNormalization.${name}`);
  for (const name of ['gamma', 'beta', 'movingMean', 'movingVariance']) {
    const v = fields[name] as { read?: unknown; write?: unknown };
    assert.equal(typeof v?.read, 'function', `BatchNormalization.${name}.read`);
    assert.equal(typeof v?.write, 'function', `BatchNormalization.${name}.write`);
  }
});

test('a frozen BatchNormalization keeps its moving statistics in a training step; a trainable one moves them', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.randomNormal([8, 4], 3, 2, 'float32', 1);
  for (const trainable of [false, true]) {
    const layer = tfl.layers.batchNormalization({ inputShape: [4] });
    const model = tfl.sequential({ layers: [layer] });
    layer.trainable = trainable;
    const before = Array.from(layer.getWeights()[2].dataSync());
    tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
    const after = Array.from(layer.getWeights()[2].dataSync());
    assert.equal(before.join() === after.join(), !trainable, `trainable ${trainable}`);
  }
});

test("tfjs random ops take an unseeded op's seed from Math.random (seeded-random.ts)", () => {
  const original = Math.random;
  let calls = 0;
  Math.random = () => {
    calls++;
    return 0.25;
  };
  try {
    const a = tf.tidy(() => Array.from(tf.randomUniform([4]).dataSync()));
    const b = tf.tidy(() => Array.from(tf.randomUniform([4]).dataSync()));
    assert.ok(calls > 0, 'randomUniform no longer draws its seed from Math.random');
    assert.deepEqual(a, b);
  } finally {
    Math.random = original;
  }
});

test("tfjs-core's Node bundle still lacks chained ops (chained-ops.ts): drop the patch when it has them", () => {
  const probe = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const tf = await import('@tensorflow/tfjs-core'); await import('@tensorflow/tfjs-backend-cpu'); console.log(typeof tf.tensor([1, 2]).flatten);",
    ],
    { encoding: 'utf8', cwd: new URL('../../..', import.meta.url).pathname },
  );
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), 'undefined');
});
