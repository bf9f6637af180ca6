/**
 * ReLU's gradient as one wasm kernel of tunebook's own (native/kernels.c relu_grad): tfjs
 * computes it as dy * step(x), two full-size passes and a temporary; this is one pass with
 * the same values, NaN included (engine/relu-gradient.ts routes Relu's gradient here).
 * With the per-channel sum of the result in the same pass (relu_grad_sum), the gradients of
 * a convolution's ReLU and bias together (engine/conv-layer.ts): the sum equals the Sum
 * kernel's (reductions.ts: float64, rows in order).
 *
 * Kernel names: `TunebookReluGrad` ({dy, x}) -> dx; `TunebookReluGradSum` ({dy, x}) ->
 * [dx, sum of dx over every axis but the last].
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { native, ptr, type WasmBackend } from './wasm-heap.js';

export const RELU_GRAD = 'TunebookReluGrad';
export const RELU_GRAD_SUM = 'TunebookReluGradSum';

export function reluGrad(args: {
  inputs: { dy: TensorInfo; x: TensorInfo };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, backend } = args;
  const { dy, x } = inputs;
  const dx = backend.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((p, d) => p * d, 1);
  native(backend).relu_grad(ptr(backend, dy), ptr(backend, x), ptr(backend, dx), n);
  return dx;
}

export function reluGradSum(args: {
  inputs: { dy: TensorInfo; x: TensorInfo };
  backend: WasmBackend;
}): TensorInfo[] {
  const { inputs, backend } = args;
  const { dy, x } = inputs;
  const channels = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
  const dx = backend.makeOutput(x.shape, 'float32');
  const sum = backend.makeOutput([channels], 'float32');
  const acc = backend.wasm._malloc(channels * 8) >>> 0;
  native(backend).relu_grad_sum(
    ptr(backend, dy),
    ptr(backend, x),
    ptr(backend, dx),
    acc,
    ptr(backend, sum),
    rows,
    channels,
  );
  backend.wasm._free(acc);
  return [dx, sum];
}
