/**
 * ReLU's gradient on tunebook's one-pass kernel where the backend has it (wasm:
 * kernels/relu-grad.ts), else tfjs's own formula, dy * step(x). tfjs's gradient for Relu is
 * that formula as two kernels and a temporary: two full-size passes per activation of every
 * ResNet block. The values are the same (NaN where x is NaN), so a gradient computed on
 * either path is the same.
 *
 * @example
 *   installReluGradient(); // once, before training (initEngine does it)
 */
import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD } from './kernels/relu-grad.js';

/** dy * step(x), on the one-pass kernel where it exists. */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (
    x.dtype === 'float32' &&
    dy.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    tf.getKernel(RELU_GRAD, tf.getBackend())
  ) {
    return tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

let installed = false;

/** Routes Relu's gradient through `reluGradient`. Idempotent. */
export function installReluGradient(): void {
  if (installed) return;
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => reluGradient(dy as tf.Tensor, x) };
    },
  });
  installed = true;
}
