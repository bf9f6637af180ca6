/**
 * Identity and same-dtype Cast for wasm without a copy. The engine clones every tensor it
 * saves for the backward pass through Identity, and the ReLU gradient casts a float mask to
 * float32; the backend copies the data each time (~50 ms of a ResNet step). Tensors are
 * immutable, so sharing the data buffer under a second reference is safe, as the cpu
 * backend and the wasm backend's own Reshape already do.
 */
import type { DataId, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { runWasm, type WasmBackend } from './wasm-heap.js';

interface RefCounting {
  incRef(dataId: DataId): void;
}

function alias(backend: WasmBackend, x: TensorInfo): TensorInfo {
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function identity(args: { inputs: { x: TensorInfo }; backend: WasmBackend }): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runWasm('Identity', { x }, {}, args.backend);
  return alias(args.backend, x);
}

export function cast(args: {
  inputs: { x: TensorInfo };
  attrs: { dtype: string };
  backend: WasmBackend;
}): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === args.attrs.dtype && x.dtype !== 'string') return alias(args.backend, x);
  return runWasm('Cast', { x }, args.attrs as unknown as NamedAttrMap, args.backend);
}
