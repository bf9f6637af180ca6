/**
 * Batch norm in training as two wasm kernels of tunebook's own (native/kernels.c), used by
 * engine/fused-batch-norm.ts when the backend has them: the forward pass is one statistics
 * pass and one normalising pass, the backward pass one reduction pass and one pass writing
 * dx, where the op-by-op version makes about ten full-size passes between them.
 *
 * Kernel names: `TunebookBatchNormForward` ({x, gamma, beta}, {epsilon}) ->
 * [y, mean, variance, invStd]; `TunebookBatchNormBackward` ({dy, x, mean, invStd, gamma})
 * -> [dx, dGamma, dBeta]. Channels last; statistics over every other axis.
 *
 * `TunebookMovingAverage` ({moving, value}, {decay}) -> moving - (moving - value) * decay,
 * rounded to float32 after each operation as the three ops it replaces (tf.sub, tf.mul,
 * tf.sub) round, so the moving statistics are the same to the bit. Why a kernel: the update
 * runs inside the training step's gradient tape, where tfjs records every op and clones the
 * inputs of each op it could differentiate (Sub and Multiply: two Identity kernels each), so
 * the three ops cost nine kernel calls per statistic, 270 a ResNet step; a kernel with no
 * gradient is one call and saves nothing.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { f32, native, ptr, type WasmBackend } from './wasm-heap.js';

export const BATCH_NORM_FORWARD = 'TunebookBatchNormForward';
export const BATCH_NORM_BACKWARD = 'TunebookBatchNormBackward';
export const MOVING_AVERAGE = 'TunebookMovingAverage';

function withScratch<T>(backend: WasmBackend, bytes: number, f: (scratch: number) => T): T {
  const scratch = backend.wasm._malloc(bytes) >>> 0;
  try {
    return f(scratch);
  } finally {
    backend.wasm._free(scratch);
  }
}

export function batchNormForward(args: {
  inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  attrs: { epsilon: number };
  backend: WasmBackend;
}): TensorInfo[] {
  const { inputs, attrs, backend } = args;
  const { x, gamma, beta } = inputs;
  const channels = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const invStd = backend.makeOutput([channels], 'float32');
  withScratch(backend, channels * 24, (scratch) =>
    native(backend).bn_forward(
      ptr(backend, x),
      ptr(backend, gamma),
      ptr(backend, beta),
      ptr(backend, y),
      ptr(backend, mean),
      ptr(backend, variance),
      ptr(backend, invStd),
      scratch,
      rows,
      channels,
      attrs.epsilon,
    ),
  );
  return [y, mean, variance, invStd];
}

export function batchNormBackward(args: {
  inputs: {
    dy: TensorInfo;
    x: TensorInfo;
    mean: TensorInfo;
    invStd: TensorInfo;
    gamma: TensorInfo;
  };
  backend: WasmBackend;
}): TensorInfo[] {
  const { inputs, backend } = args;
  const { dy, x, mean, invStd, gamma } = inputs;
  const channels = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
  const dx = backend.makeOutput(x.shape, 'float32');
  const dGamma = backend.makeOutput([channels], 'float32');
  const dBeta = backend.makeOutput([channels], 'float32');
  withScratch(backend, channels * 28, (scratch) =>
    native(backend).bn_backward(
      ptr(backend, dy),
      ptr(backend, x),
      ptr(backend, mean),
      ptr(backend, invStd),
      ptr(backend, gamma),
      ptr(backend, dx),
      ptr(backend, dGamma),
      ptr(backend, dBeta),
      scratch,
      rows,
      channels,
    ),
  );
  return [dx, dGamma, dBeta];
}

export function movingAverage(args: {
  inputs: { moving: TensorInfo; value: TensorInfo };
  attrs: { decay: number };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const out = backend.makeOutput(inputs.moving.shape, 'float32');
  // Views after makeOutput, which may grow the heap. Each step in float64 rounded to float32
  // is float32's own correctly rounded operation (53 >= 2 * 24 + 2 bits).
  const [moving, value, o] = [inputs.moving, inputs.value, out].map((t) => f32(backend, t));
  const decay = Math.fround(attrs.decay);
  for (let i = 0; i < o.length; i++) {
    o[i] = moving[i] - Math.fround(Math.fround(moving[i] - value[i]) * decay);
  }
  return out;
}
