/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks (tfjs issue #8474).
 *
 * dW[kh,kw,ci,co] = sum over pixels p=(n,oh,ow) of x[n, oh*s-pad+kh*d, ow*s-pad+kw*d, ci] * dy[p,co]
 * runs on tunebook's direct kernel (conv2d-direct.ts): register tiles of 4 unfolded rows x
 * 8 output channels accumulate over blocks of pixels, reading a zero-padded copy of x and
 * dy as they are, and land in the [kh, kw, ci, co] layout. No unfolded (im2col) matrix is
 * ever written; against the im2col + GEMM it replaced it was 1.1-2x faster in both kernel
 * builds.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { directFilterGrad } from './conv2d-direct.js';
import { type ConvAttrs, requireChannelsLast, type WasmBackend } from './wasm-heap.js';

interface Attrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  requireChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    inputs.x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return directFilterGrad(backend, inputs.x, inputs.dy, info);
}
