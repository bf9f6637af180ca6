import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from './backend.js';
import { conv2dPrototype, convLayerInstalled } from './conv-layer.js';
import { CONV2D_FUSED } from './kernels/conv2d-forward.js';

/** The kernels one gradient of sum(f(x)^2) over `weights` runs, and the gradients. */
async function gradientRun(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, weights: tf.Variable[]) {
  let grads: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(f(x))) as tf.Scalar, weights);
    grads = weights.map((w) => g[w.name]);
  });
  return { names: profile.kernels.map((k) => k.name), grads };
}

/** The layers' variables, in order, once built on x. */
function built(layers: tfl.layers.Layer[], x: tf.Tensor): tf.Variable[] {
  tf.dispose(apply(layers)(x));
  return layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

const apply = (layers: tfl.layers.Layer[]) => (x: tf.Tensor) =>
  layers.reduce((h, l) => l.apply(h) as tf.Tensor, x);

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

test('Conv2D: the fields the conv-layer patch reads, and its own call on the prototype', async () => {
  await initEngine({ backend: 'wasm' });
  assert.ok(convLayerInstalled());
  const layer = tfl.layers.conv2d({ filters: 2, kernelSize: 3, useBias: false });
  assert.ok(Object.hasOwn(conv2dPrototype(), 'call'));
  assert.ok(!Object.hasOwn(layer, 'call'));
  layer.apply(tf.zeros([1, 5, 5, 1]));
  const fields = layer as unknown as Record<string, unknown>;
  for (const name of ['rank', 'bias', 'kernel', 'activation', 'dataFormat', 'padding', 'strides'])
    assert.ok(name in fields, `Conv2D.${name}`);
  assert.ok('dilationRate' in fields);
  assert.equal(fields.dataFormat, 'channelsLast');
  assert.equal((fields.activation as { getClassName(): string }).getClassName(), 'linear');
  const relu = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' });
  assert.equal((relu as unknown as Conv).activation.getClassName(), 'relu');
});

type Conv = { activation: { getClassName(): string } };

test('a bias-free linear Conv2D on the data computes no input gradient, and the fused op’s values', async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 1);
  for (const padding of ['same', 'valid'] as const) {
    const layer = tfl.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding,
      useBias: false,
    });
    const [kernel] = built([layer], x);
    const { names, grads } = await gradientRun(apply([layer]), x, [kernel]);
    assert.ok(!names.includes('Conv2DBackpropInput'), `${padding}: ${names.join(' ')}`);
    assert.ok(names.includes('Conv2DBackpropFilter'));
    // The fused op tfjs-layers would have run, through its custom gradient.
    const expected = tf.grad((w) =>
      tf.sum(
        tf.square(
          tf.fused.conv2d({
            x: x as tf.Tensor4D,
            filter: w as tf.Tensor4D,
            strides: 2,
            pad: padding,
          }),
        ),
      ),
    )(kernel);
    assert.deepEqual(values(grads), values([expected]));
  }
});

test('Conv2D with bias and ReLU: one kernel forward, and the values of conv, add and relu to the bit', async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.randomNormal([3, 9, 9, 2], 0, 1, 'float32', 2);
  for (const activation of ['relu', 'linear'] as const) {
    const layers = [
      tfl.layers.conv2d({ filters: 5, kernelSize: 3, activation, biasInitializer: 'randomNormal' }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation }),
    ];
    const weights = built(layers, x);
    const { names, grads } = await gradientRun(apply(layers), x, weights);
    const run = names.join(' ');
    assert.equal(names.filter((n) => n === CONV2D_FUSED).length, 2, run);
    for (const absent of ['Add', 'Relu', 'FusedConv2D']) assert.ok(!names.includes(absent), run);
    // With ReLU, its gradient and the bias's in one pass; linear sums dy for each bias (the
    // loss has one Sum of its own).
    const count = (name: string) => names.filter((n) => n === name).length;
    assert.equal(count('TunebookReluGradSum'), activation === 'relu' ? 2 : 0, run);
    assert.equal(count('Sum'), activation === 'relu' ? 1 : 3, run);
    // Only the second layer's input gradient: the first one's input is the data.
    assert.equal(names.filter((n) => n === 'Conv2DBackpropInput').length, 1, run);
    // tfjs's unfused ops, what tfjs-layers runs while recording gradients with ReLU.
    const [w1, b1, w2, b2] = weights;
    const act = (t: tf.Tensor) => (activation === 'relu' ? tf.relu(t) : t);
    const reference = (h: tf.Tensor) => {
      const h1 = act(tf.add(tf.conv2d(h as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'valid'), b1));
      return act(tf.add(tf.conv2d(h1 as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'same'), b2));
    };
    const expected = await gradientRun(reference, x, weights);
    assert.deepEqual(values(grads), values(expected.grads), activation);
    assert.deepEqual(values([apply(layers)(x)]), values([reference(x)]));
  }
});

test('Conv2D layers with another activation keep the layer’s own code', async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 3);
  const layer = tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh' });
  const { names } = await gradientRun(apply([layer]), x, built([layer], x));
  assert.ok(names.includes('Tanh') && !names.includes(CONV2D_FUSED), names.join(' '));
});
