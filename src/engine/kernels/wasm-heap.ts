/**
 * Access to the wasm backend's heap and to its own kernels, for tunebook's training kernels.
 * Those kernels either reformulate a gradient as the backend's fast forward ops (XNNPACK
 * convolution and matrix multiply) or run a short loop directly on the heap.
 *
 * Heap views go stale when the wasm memory grows, which any allocation may do: take views
 * (`f32`) only after the last `makeOutput` or kernel call of a step.
 */

import type { backend_util, DataId, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { KernelError } from '../../core/errors.js';
import { type EmscriptenModule, type LoadedKernels, nativeKernels } from './native.js';

export interface WasmBackend {
  wasm: EmscriptenModule;
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** The wasm kernels tunebook replaced, kept so that the replacements can delegate to them. */
const originals = new Map<string, KernelFunc>();

export function rememberOriginal(name: string): KernelFunc | undefined {
  const config = tf.getKernel(name, 'wasm');
  if (config && !originals.has(name)) originals.set(name, config.kernelFunc);
  return originals.get(name);
}

/** Runs one of the wasm backend's own kernels (the original when tunebook replaced it). */
export function runWasm(
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
  backend: WasmBackend,
): TensorInfo {
  const func = originals.get(name) ?? tf.getKernel(name, 'wasm')?.kernelFunc;
  if (!func) throw new KernelError(name, 'not registered for the wasm backend');
  return func({ inputs, attrs, backend: backend as unknown as tf.KernelBackend }) as TensorInfo;
}

/** A float32 view of a tensor's data on the wasm heap (valid until the next allocation). */
export function f32(backend: WasmBackend, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info);
}

/** A new float32 tensor on the heap, zero-filled. */
export function zeros(backend: WasmBackend, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  f32(backend, out).fill(0);
  return out;
}

export function transpose(backend: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasm('Transpose', { x }, { perm }, backend);
}

export function release(backend: WasmBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function requireChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new KernelError(kernel, `only NHWC (channels-last) data is supported, got ${dataFormat}`);
  }
}

/** Byte offset of a tensor's data on the heap (stable: tensors are never moved). */
export function ptr(backend: WasmBackend, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** tunebook's own wasm kernels, sharing this backend's memory. */
export function native(backend: WasmBackend): LoadedKernels {
  return nativeKernels(backend.wasm);
}

/** The attributes tfjs passes to every convolution gradient kernel. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

/** Scratch for one kernel call: the kernels' shared block, or a tensor of its own. */
export interface Scratch {
  offset: number;
  floats: number;
  own: TensorInfo | null;
}

/** At least `floats` floats of scratch; release with `releaseScratch` after the call. */
export function scratch(backend: WasmBackend, floats: number): Scratch {
  const kernels = native(backend);
  const shared = kernels.scratch_floats();
  if (floats <= shared) return { offset: kernels.scratch, floats: shared, own: null };
  const own = backend.makeOutput([floats], 'float32');
  return { offset: ptr(backend, own), floats, own };
}

export function releaseScratch(backend: WasmBackend, s: Scratch): void {
  if (s.own) release(backend, s.own);
}
