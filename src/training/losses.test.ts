import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';
import { initEngine } from '../engine/backend.js';
import { relativeError } from '../testing/compare.js';
import { classWeights } from './class-weights.js';
import { crossEntropy, weightedSum } from './losses.js';

/** Written by test/fixtures/training/make_fixtures.py (PyTorch 1.13, float64). */
function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/training/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

before(async () => {
  await initEngine({ backend: 'wasm' });
});

const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

function oneHot(labels: number[], classes: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'));
}

/** -log softmax(row)[c], in double precision. */
function nll(row: number[], c: number): number {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
  return lse - row[c];
}

test('class-weighted loss is sum_i w[y_i] l_i / sum_i w[y_i] (PyTorch), by hand', () => {
  const rows = [
    [2, 0],
    [0, 1],
    [1, 3],
  ];
  const labels = [0, 1, 1];
  const w = [1, 0.8]; // the seed's example
  const y = oneHot(labels, 2);
  const logits = tf.tensor2d(rows);
  const l = rows.map((r, i) => nll(r, labels[i]));
  const weighted = (w[0] * l[0] + w[1] * l[1] + w[1] * l[2]) / (w[0] + w[1] + w[1]);
  const actual = value(crossEntropy(y, logits, { classWeights: new Float32Array(w) }));
  assert.ok(Math.abs(actual - weighted) / weighted < 1e-6, `${actual} vs ${weighted}`);
  // Keras / tfjs classWeight would divide by the batch size instead: a different number.
  const keras = (w[0] * l[0] + w[1] * l[1] + w[1] * l[2]) / 3;
  assert.ok(Math.abs(actual - keras) > 1e-3);
  // unweighted: the plain mean
  const mean = (l[0] + l[1] + l[2]) / 3;
  assert.ok(Math.abs(value(crossEntropy(y, logits)) - mean) / mean < 1e-6);

  // label smoothing 0.1: q = 0.9 onehot + 0.05; every class's term weighted by its weight,
  // divided by the hard labels' weight sum (PyTorch's rule)
  const eps = 0.1;
  let num = 0;
  rows.forEach((r, i) => {
    for (let c = 0; c < 2; c++) {
      const q = (c === labels[i] ? 1 - eps : 0) + eps / 2;
      num += q * w[c] * nll(r, c);
    }
  });
  const smoothed = num / (w[0] + w[1] + w[1]);
  const actualSmoothed = value(
    crossEntropy(y, logits, { classWeights: new Float32Array(w), labelSmoothing: eps }),
  );
  assert.ok(Math.abs(actualSmoothed - smoothed) / smoothed < 1e-6);
  tf.dispose([y, logits]);
});

interface CeCase {
  name: string;
  shape: number[];
  logits: number[];
  labels: number[];
  weight: number[] | null;
  labelSmoothing: number;
  loss: number;
  grad: number[];
}

test('equals PyTorch nn.CrossEntropyLoss(weight, label_smoothing): loss and gradient', () => {
  const { cases } = fixture<{ cases: CeCase[] }>('cross-entropy.json');
  for (const c of cases) {
    const classes = c.shape[c.shape.length - 1];
    const logits = tf.tensor(c.logits, c.shape);
    const y = tf.tidy(() => tf.reshape(oneHot(c.labels, classes), c.shape));
    const options = {
      classWeights: c.weight ? new Float32Array(c.weight) : null,
      labelSmoothing: c.labelSmoothing,
    };
    const loss = value(crossEntropy(y, logits, options));
    assert.ok(Math.abs(loss - c.loss) / c.loss < 2e-6, `${c.name}: ${loss} vs ${c.loss}`);
    const grad = tf.grad((x: tf.Tensor) => crossEntropy(y, x, options))(logits);
    const err = relativeError(grad.dataSync(), c.grad);
    assert.ok(err < 1e-5, `${c.name}: gradient error ${err}`);
    tf.dispose([logits, y, grad]);
  }
});

test('unweighted loss equals tfjs softmaxCrossEntropy (with its label smoothing)', () => {
  const logits = tf.tensor2d([
    [0.3, -1, 2, 0.1],
    [1.5, 0.2, -0.3, 0.8],
    [-2, 0.5, 0.5, 1],
  ]);
  const y = oneHot([2, 0, 3], 4);
  for (const eps of [0, 0.2]) {
    const ours = value(crossEntropy(y, logits, { labelSmoothing: eps }));
    const theirs = value(tf.losses.softmaxCrossEntropy(y, logits, undefined, eps));
    assert.ok(Math.abs(ours - theirs) < 1e-6, `${ours} vs ${theirs}`);
  }
  tf.dispose([logits, y]);
});

test('the weights scale cancels: proportional and balanced give the same loss', () => {
  const counts = [700, 200, 100];
  const logits = tf.tensor2d([
    [0.3, -1, 2],
    [1.5, 0.2, -0.3],
    [-2, 0.5, 0.5],
    [0, 0, 1],
  ]);
  const y = oneHot([2, 0, 1, 1], 3);
  const a = value(crossEntropy(y, logits, { classWeights: classWeights('proportional', counts) }));
  const b = value(crossEntropy(y, logits, { classWeights: classWeights('balanced', counts) }));
  const c = value(
    crossEntropy(y, logits, { classWeights: classWeights('balanced', counts).map((w) => w * 7) }),
  );
  assert.ok(Math.abs(a - b) < 1e-6 && Math.abs(b - c) < 1e-6, `${a} ${b} ${c}`);
  // int32 one-hot targets are accepted
  const yInt = tf.oneHot(tf.tensor1d([2, 0, 1, 1], 'int32'), 3);
  assert.ok(Math.abs(value(crossEntropy(yInt, logits)) - value(crossEntropy(y, logits))) < 1e-7);
  tf.dispose([logits, y, yInt]);
});

test('weightedSum: sum of weight * loss, gradients flow, inputs kept', () => {
  const a = tf.scalar(0.5);
  const b = tf.scalar(2);
  const total = weightedSum([
    { loss: a, weight: 1 },
    { loss: b, weight: 0.25 },
  ]);
  assert.equal(total.dataSync()[0], 1);
  assert.ok(!a.isDisposed && !b.isDisposed);
  const single = weightedSum([{ loss: a, weight: 1 }]);
  assert.notEqual(single, a, 'a new tensor, so disposing it leaves the term alone');
  tf.dispose([total, single]);

  // d/dx of 1 * CE(x) + 0.5 * CE(x) is 1.5 dCE/dx
  const logits = tf.tensor2d([[1, 2, 0]]);
  const y = oneHot([0], 3);
  const g1 = tf.grad((x: tf.Tensor) => crossEntropy(y, x))(logits);
  const g2 = tf.grad((x: tf.Tensor) =>
    weightedSum([
      { loss: crossEntropy(y, x), weight: 1 },
      { loss: crossEntropy(y, x), weight: 0.5 },
    ]),
  )(logits);
  const expected = Array.from(g1.dataSync(), (v) => 1.5 * v);
  assert.ok(relativeError(g2.dataSync(), expected) < 1e-6);
  tf.dispose([a, b, logits, y, g1, g2]);
});

test('no tensor leaks, also inside optimizer.minimize', () => {
  const y = oneHot([0, 1, 2, 1], 3);
  const x = tf.tensor2d([
    [1, 0],
    [0, 1],
    [1, 1],
    [0.5, -1],
  ]);
  const weights = tf.variable(tf.zeros([2, 3]), true, 'losses-test/kernel');
  const optimizer = tf.train.adam(0.1);
  const cw = new Float32Array([1, 0.5, 2]);
  const step = () => {
    const loss = optimizer.minimize(
      () =>
        weightedSum([
          {
            loss: crossEntropy(y, tf.matMul(x, weights), { classWeights: cw, labelSmoothing: 0.1 }),
            weight: 1,
          },
          { loss: crossEntropy(y, tf.matMul(x, weights)), weight: 0.3 },
        ]),
      true,
    );
    return value(loss as tf.Scalar);
  };
  const first = step(); // creates Adam's moment variables
  const count = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 20; i++) last = step();
  assert.equal(tf.memory().numTensors, count);
  assert.ok(last < first, `the loss falls: ${first} -> ${last}`);
  const before = tf.memory().numTensors;
  value(crossEntropy(y, tf.keep(tf.zeros([4, 3])), { classWeights: cw }));
  assert.equal(tf.memory().numTensors, before + 1); // only the kept zeros remain
  optimizer.dispose();
  tf.dispose([y, x, weights]);
});

test('bad options: ConfigError naming the field and the value', () => {
  const y = oneHot([0, 1], 3);
  const logits = tf.zeros([2, 3]);
  assert.throws(
    () => crossEntropy(y, logits, { classWeights: new Float32Array([1, 0.8]) }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === 'classWeights: expected 3 weights (one per class), got 2',
  );
  assert.throws(
    () => crossEntropy(y, logits, { classWeights: new Float32Array([1, -1, 1]) }),
    (e: unknown) =>
      e instanceof ConfigError && e.message === 'classWeights[1]: expected a weight >= 0, got -1',
  );
  assert.throws(
    () => crossEntropy(y, logits, { labelSmoothing: 1 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === 'labelSmoothing: expected a number in [0, 1), got 1',
  );
  assert.throws(() => crossEntropy(y, tf.zeros([2, 4])), ConfigError);
  assert.throws(() => weightedSum([]), ConfigError);
  assert.throws(
    () => weightedSum([{ loss: tf.scalar(1), weight: -1 }], 'heads'),
    (e: unknown) =>
      e instanceof ConfigError && e.message === 'heads[0]: expected a loss weight >= 0, got -1',
  );
  tf.dispose([y, logits]);
});
