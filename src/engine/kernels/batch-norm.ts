/**
 * Batch norm in training as two wasm kernels of tunebook's own (native/kernels.c), used by
 * engine/fused-batch-norm.ts when the backend has them: the forward pass is one statistics
 * pass and one normalising pass, the backward pass one reduction pass and one pass writing
 * dx, where the op-by-op version makes about ten full-size passes between them.
 *
 * Kernel names: `TunebookBatchNormForward` ({x, gamma, beta}, {epsilon}) ->
 * [y, mean, variance, invStd]; `TunebookBatchNormBackward` ({dy, x, mean, invStd, gamma})
 * -> [dx, dGamma, dBeta]. Channels last; statistics over every other axis.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { native, ptr, type WasmBackend } from './wasm-heap.js';

export const BATCH_NORM_FORWARD = 'TunebookBatchNormForward';
export const BATCH_NORM_BACKWARD = 'TunebookBatchNormBackward';

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
