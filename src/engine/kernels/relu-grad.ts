/**
 * ReLU's gradient as one wasm kernel of tunebook's own (native/kernels.c relu_grad): tfjs
 * computes it as dy * step(x), two full-size passes and a temporary; this is one pass with
 * the same values, NaN included (engine/relu-gradient.ts routes Relu's gradient here).
 *
 * Kernel name: `TunebookReluGrad` ({dy, x}) -> dx.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { native, ptr, type WasmBackend } from './wasm-heap.js';

export const RELU_GRAD = 'TunebookReluGrad';

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
