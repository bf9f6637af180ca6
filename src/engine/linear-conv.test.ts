import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initEngine } from './backend.js';
import { conv2dPrototype, linearConvInstalled } from './linear-conv.js';

/** Kernels run by one gradient computation of sum(layer(x)^2) over the layer's weights. */
async function gradientKernels(layer: tfl.layers.Layer, x: tf.Tensor) {
  tf.dispose(layer.apply(x) as tf.Tensor); // builds it
  let grads: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads: g } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar,
      weights,
    );
    grads = Object.values(g);
  });
  return { names: profile.kernels.map((k) => k.name), grads };
}

test('Conv2D: the fields the linear-conv patch reads, and its own call on the prototype', async () => {
  await initEngine({ backend: 'wasm' });
  assert.ok(linearConvInstalled());
  const layer = tfl.layers.conv2d({ filters: 2, kernelSize: 3, useBias: false });
  assert.ok(Object.hasOwn(conv2dPrototype(), 'call'));
  assert.ok(!Object.hasOwn(layer, 'call'));
  layer.apply(tf.zeros([1, 5, 5, 1]));
  const fields = layer as unknown as Record<string, unknown>;
  for (const name of ['rank', 'bias', 'kernel', 'activation', 'dataFormat', 'padding', 'strides'])
    assert.ok(name in fields, `Conv2D.${name}`);
  assert.equal(fields.dataFormat, 'channelsLast');
  assert.equal((fields.activation as { getClassName(): string }).getClassName(), 'linear');
});

test('a bias-free linear Conv2D computes no gradient of its input when nothing needs it, and the same values', async () => {
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
    const { names, grads } = await gradientKernels(layer, x);
    assert.ok(!names.includes('Conv2DBackpropInput'), `${padding}: ${names.join(' ')}`);
    assert.ok(names.includes('Conv2DBackpropFilter'));
    // The fused op tfjs-layers would have run, differentiated through its custom gradient.
    const kernel = layer.getWeights()[0] as tf.Tensor4D;
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
    assert.deepEqual(Array.from(grads[0].dataSync()), Array.from(expected.dataSync()));
  }
});

test('Conv2D layers with a bias or an activation keep the layer’s own code', async () => {
  await initEngine({ backend: 'wasm' });
  const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 2);
  const layer = tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'linear' });
  const { names } = await gradientKernels(layer, x);
  assert.ok(names.includes('FusedConv2D'), names.join(' '));
});
