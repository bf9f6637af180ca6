/**
 * Add, Sub, Multiply and RealDiv for wasm when one side is a vector broadcast along the last
 * axis of the other ([N,H,W,C] with [C] or [1,1,1,C]): the shape of every bias and
 * batch-norm scale in a forward or backward pass. The backend's broadcasting path computes
 * an index per element; this is one SIMD pass (native/kernels.c). Anything else goes to the
 * backend's own kernels.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { native, ptr, runWasm, type WasmBackend } from './wasm-heap.js';

const OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
type BinaryKernel = keyof typeof OPS;

/** True when `v` is [C] or [1,...,1,C] and `a` is a tensor of rank >= 1 ending in C. */
function isLastAxisVector(v: TensorInfo, a: TensorInfo): boolean {
  const c = a.shape[a.shape.length - 1];
  if (a.shape.length === 0 || v.shape.length === 0 || v.shape.length > a.shape.length) return false;
  if (v.shape[v.shape.length - 1] !== c) return false;
  return v.shape.slice(0, -1).every((d) => d === 1);
}

function binary(
  kernel: BinaryKernel,
  args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend },
): TensorInfo {
  const { inputs, backend } = args;
  const { a, b } = inputs;
  const sameShape = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (a.dtype === 'float32' && b.dtype === 'float32' && !sameShape) {
    const bIsVector = isLastAxisVector(b, a);
    const aIsVector = !bIsVector && isLastAxisVector(a, b);
    if (bIsVector || aIsVector) {
      const full = bIsVector ? a : b;
      const vec = bIsVector ? b : a;
      const cols = full.shape[full.shape.length - 1];
      const rows = full.shape.reduce((p, d) => p * d, 1) / Math.max(1, cols);
      const out = backend.makeOutput(full.shape, 'float32');
      if (rows > 0 && cols > 0) {
        native(backend).bcast_last(
          OPS[kernel],
          aIsVector ? 1 : 0,
          ptr(backend, full),
          ptr(backend, vec),
          ptr(backend, out),
          rows,
          cols,
        );
      }
      return out;
    }
  }
  return runWasm(kernel, { a, b }, {}, backend);
}

export const add = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }) =>
  binary('Add', args);
export const sub = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }) =>
  binary('Sub', args);
export const multiply = (args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
}) => binary('Multiply', args);
export const realDiv = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackend }) =>
  binary('RealDiv', args);
