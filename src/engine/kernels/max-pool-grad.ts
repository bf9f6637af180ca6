/**
 * MaxPoolGrad for wasm, in native/kernels.c: each window's gradient goes to the first
 * position (row-major) holding the window's maximum, as in the cpu backend, so ties
 * (frequent after ReLU, where whole windows are 0) resolve identically. One pass over the
 * windows, four channels at a time, where the backend's kernel revisits every window for
 * every input pixel.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { native, ptr, requireChannelsLast, type WasmBackend } from './wasm-heap.js';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

export function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  requireChannelsLast('MaxPoolGrad', attrs.dataFormat);
  const info = backend_util.computePool2DInfo(
    inputs.input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dx = backend.makeOutput(inputs.input.shape, 'float32');
  native(backend).maxpool_grad(
    ptr(backend, inputs.input),
    ptr(backend, inputs.dy),
    ptr(backend, dx),
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
  );
  return dx;
}
