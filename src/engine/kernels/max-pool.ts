/**
 * MaxPool and MaxPoolGrad for wasm, in native/kernels.c, with one rule for both: a window's
 * maximum is its first position (row-major) holding the largest value, found from -inf by
 * "strictly greater", as in the cpu backend, so ties (frequent after ReLU, where whole
 * windows are 0) resolve identically, a NaN is never the maximum and a window of NaNs gives
 * -inf. The gradient sends each window's dy to that position in one pass over the windows,
 * four channels at a time, where the backend's kernel revisits every window for every input
 * pixel; the forward pass reads a 2x2 window as two pairs of rows (the backend's own kernel
 * took three times as long on the reference CNN's pools).
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { PoolGeometry } from './native.js';
import { native, ptr, requireChannelsLast, runWasm, type WasmBackend } from './wasm-heap.js';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

/** The pool's geometry from the input's shape and the attributes, with its output shape. */
function poolGeometry(
  input: TensorInfo,
  attrs: Attrs,
): { geometry: PoolGeometry; outShape: number[] } {
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return {
    geometry: [
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
    ],
    outShape: info.outShape,
  };
}

export function maxPool(args: {
  inputs: { x: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x } = inputs;
  if (x.dtype !== 'float32') return runWasm('MaxPool', { x }, { ...attrs }, backend);
  const { geometry, outShape } = poolGeometry(x, attrs);
  const y = backend.makeOutput(outShape, 'float32');
  native(backend).maxpool(ptr(backend, x), ptr(backend, y), ...geometry);
  return y;
}

export function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  requireChannelsLast('MaxPoolGrad', attrs.dataFormat);
  const { geometry } = poolGeometry(inputs.input, attrs);
  const dx = backend.makeOutput(inputs.input.shape, 'float32');
  native(backend).maxpool_grad(
    ptr(backend, inputs.input),
    ptr(backend, inputs.dy),
    ptr(backend, dx),
    ...geometry,
  );
  return dx;
}
