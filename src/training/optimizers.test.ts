import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';
import { initEngine } from '../engine/backend.js';
import { relativeError } from '../testing/compare.js';
import {
  AdamWOptimizer,
  getLearningRate,
  makeOptimizer,
  OPTIMIZER_NAMES,
  type OptimizerSpec,
  setLearningRate,
} from './optimizers.js';

/** Written by test/fixtures/training/make_fixtures.py (PyTorch 1.13, float64). */
function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/training/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

before(async () => {
  await initEngine({ backend: 'wasm' });
});

let serial = 0;
function variable(values: number[], shape: number[]): tf.Variable {
  return tf.variable(tf.tensor(values, shape), true, `optimizers-test/${serial++}`);
}

interface Fixture {
  w0: number[];
  b0: number[];
  wShape: number[];
  bShape: number[];
  grads: { w: number[]; b: number[] }[];
  cases: {
    spec: OptimizerSpec;
    lrAfterStep2: number;
    after: { w: number[]; b: number[] }[];
  }[];
}

test('each optimiser takes the same steps as PyTorch (incl. a rate change after step 2)', () => {
  const f = fixture<Fixture>('optimizers.json');
  const x0 = [...f.w0, ...f.b0];
  for (const c of f.cases) {
    const w = variable(f.w0, f.wShape);
    const b = variable(f.b0, f.bShape);
    const optimizer = makeOptimizer(c.spec);
    f.grads.forEach((g, k) => {
      if (k === 2) setLearningRate(optimizer, c.lrAfterStep2);
      const gw = tf.tensor(g.w, f.wShape);
      const gb = tf.tensor(g.b, f.bShape);
      optimizer.applyGradients({ [w.name]: gw, [b.name]: gb });
      tf.dispose([gw, gb]);
      // Compare the distance travelled, not the values, so that float32 rounding of the
      // values (about 1) does not hide an error in the (small) steps.
      const actual = [...w.dataSync(), ...b.dataSync()].map((v, i) => v - x0[i]);
      const expected = [...c.after[k].w, ...c.after[k].b].map((v, i) => v - x0[i]);
      const err = relativeError(actual, expected);
      assert.ok(err < 2e-5, `${JSON.stringify(c.spec)} step ${k + 1}: relative error ${err}`);
    });
    optimizer.dispose();
    tf.dispose([w, b]);
  }
});

test('setLearningRate really changes the step: one step at rate b is b/a times one at a', () => {
  const specs: OptimizerSpec[] = [
    { name: 'sgd' },
    { name: 'sgd', momentum: 0.9 },
    { name: 'sgd', momentum: 0.9, nesterov: true },
    { name: 'sgd', weightDecay: 0.1 },
    { name: 'adam' },
    { name: 'adam', weightDecay: 0.1 },
    { name: 'adamw', weightDecay: 0.1 },
  ];
  const x0 = [0.5, -1, 2, 0.25];
  const g = [0.3, -0.2, 0.1, 1.5];
  const delta = (spec: OptimizerSpec, set: number | null): number[] => {
    const v = variable(x0, [4]);
    const optimizer = makeOptimizer({ ...spec, lr: 0.01 });
    if (set !== null) setLearningRate(optimizer, set);
    const grad = tf.tensor1d(g);
    optimizer.applyGradients({ [v.name]: grad });
    const out = Array.from(v.dataSync(), (x, i) => x - x0[i]);
    optimizer.dispose();
    tf.dispose([v, grad]);
    return out;
  };
  for (const spec of specs) {
    const a = delta(spec, null);
    const b = delta(spec, 0.003);
    const err = relativeError(
      b,
      a.map((d) => d * 0.3),
    );
    assert.ok(err < 1e-4, `${JSON.stringify(spec)}: ${a} vs ${b}`);
    assert.ok(
      a.some((d) => Math.abs(d) > 1e-4),
      'the step moved the weights',
    );
  }
});

test('setLearningRate mid-run on SGD with momentum: later steps use the new rate', () => {
  // Two runs share step 1; then one changes the rate. Momentum's velocity is rate-free, so
  // the second step differs by exactly the rate ratio.
  const run = (second: number) => {
    const v = variable([1, 2], [2]);
    const optimizer = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.5 });
    const grad = tf.tensor1d([1, -1]);
    optimizer.applyGradients({ [v.name]: grad });
    const mid = Array.from(v.dataSync());
    setLearningRate(optimizer, second);
    assert.equal(getLearningRate(optimizer), second);
    optimizer.applyGradients({ [v.name]: grad });
    const step2 = Array.from(v.dataSync(), (x, i) => x - mid[i]);
    optimizer.dispose();
    tf.dispose([v, grad]);
    return step2;
  };
  const a = run(0.1);
  const b = run(0.02);
  // velocity after step 2 is 0.5 * g + g = 1.5 g
  assert.ok(relativeError(a, [-0.15, 0.15]) < 1e-6, `${a}`);
  assert.ok(relativeError(b, [-0.03, 0.03]) < 1e-6, `${b}`);
});

test('defaults: Adam and AdamW at 1e-4 (the seed), SGD at 1e-2; the tfjs classes', () => {
  assert.equal(getLearningRate(makeOptimizer({ name: 'adam' })), 1e-4);
  assert.equal(getLearningRate(makeOptimizer({ name: 'adamw' })), 1e-4);
  assert.equal(getLearningRate(makeOptimizer({ name: 'sgd' })), 1e-2);
  assert.ok(makeOptimizer({ name: 'adam' }) instanceof tf.AdamOptimizer);
  assert.ok(makeOptimizer({ name: 'adamw' }) instanceof AdamWOptimizer);
  assert.ok(makeOptimizer({ name: 'sgd', momentum: 0.9 }) instanceof tf.MomentumOptimizer);
  assert.ok(makeOptimizer({ name: 'sgd' }) instanceof tf.SGDOptimizer);
  const adamw = makeOptimizer({ name: 'adamw' });
  assert.equal(adamw.getConfig().weightDecay, 0.01);
  assert.equal(adamw.getClassName(), 'AdamW');
  for (const name of OPTIMIZER_NAMES) makeOptimizer({ name, lr: 0.5 }).dispose();
});

test('no tensor leaks: steps and rate changes keep numTensors flat', () => {
  for (const spec of [
    { name: 'sgd', momentum: 0.9, weightDecay: 0.01 },
    { name: 'sgd' },
    { name: 'adam', weightDecay: 0.01 },
    { name: 'adamw' },
  ] as OptimizerSpec[]) {
    const v = variable([1, 2, 3], [3]);
    const optimizer = makeOptimizer(spec);
    const grad = tf.tensor1d([0.1, 0.2, 0.3]);
    optimizer.applyGradients({ [v.name]: grad }); // creates the optimiser's slots
    const count = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      setLearningRate(optimizer, 0.001 * (i + 1));
      optimizer.applyGradients({ [v.name]: grad });
      optimizer.minimize(() => tf.sum(tf.square(v)) as tf.Scalar);
    }
    assert.equal(tf.memory().numTensors, count, JSON.stringify(spec));
    optimizer.dispose();
    tf.dispose([v, grad]);
  }
});

test('bad specs: ConfigError naming the field and the value', () => {
  const throwsConfig = (fn: () => unknown, message: string) =>
    assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.message === message);
  throwsConfig(
    () => makeOptimizer({ name: 'rmsprop' } as never),
    'optimizer.name: expected one of adam, adamw, sgd, got "rmsprop"',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'adam', lr: 0 }, 'study.optimizer'),
    'study.optimizer.lr: expected a number in (0, 10], got 0',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'sgd', lr: -0.1 }),
    'optimizer.lr: expected a number in (0, 10], got -0.1',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'adam', momentum: 0.9 } as never),
    'optimizer.momentum: unknown setting (expected name, lr, weightDecay, beta1, beta2, epsilon)',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'sgd', nesterov: true }),
    'optimizer.momentum: expected a momentum > 0 with nesterov: true, got undefined',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'sgd', momentum: 1 }),
    'optimizer.momentum: expected a number in [0, 1), got 1',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'adamw', weightDecay: -1 }),
    'optimizer.weightDecay: expected a number >= 0, got -1',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'adam', beta2: 1 }),
    'optimizer.beta2: expected a number in [0, 1), got 1',
  );
  throwsConfig(
    () => makeOptimizer({ name: 'adam', lr: Number.NaN }),
    'optimizer.lr: expected a number in (0, 10], got NaN',
  );
  assert.throws(() => makeOptimizer({ name: 'adam', learningRate: 1 } as never), ConfigError);
  const sgd = makeOptimizer({ name: 'sgd' });
  throwsConfig(() => setLearningRate(sgd, -1), 'lr: expected a learning rate >= 0, got -1');
  assert.throws(() => setLearningRate(sgd, Number.POSITIVE_INFINITY), ConfigError);
  setLearningRate(sgd, 0); // a cosine schedule ends at 0
  assert.equal(getLearningRate(sgd), 0);
  sgd.dispose();
});
