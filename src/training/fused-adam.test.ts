import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/backend.js';
import { FusedAdamOptimizer } from './fused-adam.js';
import { setLearningRate } from './optimizers.js';

/** Variables of odd sizes (vector loop and scalar tail) with one missing gradient. */
const SHAPES = [[3, 5], [17], [2, 3, 3, 4], [1]];

function run(make: () => tf.AdamOptimizer, prefix: string) {
  const vars = SHAPES.map((s, i) =>
    tf.variable(tf.randomUniform(s, -1, 1, 'float32', 10 + i), true, `${prefix}${i}`),
  );
  const optimizer = make();
  for (let step = 0; step < 6; step++) {
    const grads = vars.map((v, i) => ({
      name: v.name,
      // Step 2 leaves variable 1 without a gradient, as a frozen layer would.
      tensor:
        step === 2 && i === 1
          ? (null as unknown as tf.Tensor)
          : tf.randomNormal(v.shape, 0, 1 + step, 'float32', 1 + 100 * step + i), // seed 0 is unseeded,
    }));
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor).filter((t) => t));
    if (step === 3) setLearningRate(optimizer, 0.003); // a schedule's change between steps
  }
  return { vars, optimizer };
}

test('FusedAdamOptimizer runs one kernel per variable on wasm and equals tfjs Adam to the bit', async () => {
  await initEngine({ backend: 'wasm' });
  const make = (C: typeof tf.AdamOptimizer) => () => new C(0.01, 0.9, 0.999, 1e-8);
  const ours = run(make(FusedAdamOptimizer), 'fused');
  const theirs = run(make(tf.AdamOptimizer), 'tfjs');
  for (let i = 0; i < SHAPES.length; i++) {
    const a = ours.vars[i].dataSync();
    const b = theirs.vars[i].dataSync();
    for (let j = 0; j < a.length; j++)
      assert.ok(Object.is(a[j], b[j]), `var ${i}[${j}]: ${a[j]} vs ${b[j]}`);
  }
  const [wa, wb] = await Promise.all([ours.optimizer.getWeights(), theirs.optimizer.getWeights()]);
  assert.equal(wa.length, wb.length);
  for (let i = 0; i < wa.length; i++) {
    assert.equal(wa[i].name.replace('fused', ''), wb[i].name.replace('tfjs', ''));
    assert.deepEqual(Array.from(wa[i].tensor.dataSync()), Array.from(wb[i].tensor.dataSync()));
  }
  assert.equal(ours.optimizer.getClassName(), 'Adam');
  const v = tf.variable(tf.ones([8]), true, 'profiled');
  const profile = await tf.profile(() => {
    new FusedAdamOptimizer(0.1, 0.9, 0.999, 1e-8).applyGradients([
      { name: v.name, tensor: tf.ones([8]) },
    ]);
  });
  assert.ok(profile.kernelNames.includes('TunebookAdamStep'), profile.kernelNames.join(' '));
  assert.ok(!profile.kernelNames.includes('Sqrt'), profile.kernelNames.join(' '));
  tf.dispose([...ours.vars, ...theirs.vars, v]);
});

test('FusedAdamOptimizer falls back to tfjs Adam on a backend without the kernel', async () => {
  await initEngine({ backend: 'cpu' });
  const ours = run(() => new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-8), 'cpufused');
  const theirs = run(() => new tf.AdamOptimizer(0.01, 0.9, 0.999, 1e-8), 'cputfjs');
  for (let i = 0; i < SHAPES.length; i++) {
    assert.deepEqual(Array.from(ours.vars[i].dataSync()), Array.from(theirs.vars[i].dataSync()));
  }
  tf.dispose([...ours.vars, ...theirs.vars]);
});
