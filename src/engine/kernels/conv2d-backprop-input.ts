/**
 * Conv2DBackpropInput for wasm. The backend's own kernel is a scalar loop and took ~45% of a
 * training step of the reference CNN.
 *
 * - Stride 1: the input gradient is a "full" correlation of dy with the filter rotated by
 *   180 degrees and its in/out channels swapped, so it runs on tunebook's direct forward
 *   convolution (conv2d-forward.ts), which does the padding. Where dy has fewer 2 x 2
 *   tiles than dx (a 'valid' 3 x 3 layer), transposed Winograd on dy's tiles instead
 *   (conv2d-direct.ts winogradInputGrad): the correlation would run dx's larger grid.
 * - Larger strides: that correlation would mostly multiply zeros (dy spread out by the
 *   stride), so instead each input pixel sums dy over the taps that reach it, at the exact
 *   FLOP count, on tunebook's direct kernel (conv2d-direct.ts directStridedInputGrad;
 *   1.2-1.5x the dy x W^T product + col2im it replaced, bench/engine-kernels.ts).
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { directStridedInputGrad, winogradInputGrad } from './conv2d-direct.js';
import { nativeConv2d } from './conv2d-forward.js';
import {
  type ConvAttrs,
  f32,
  release,
  requireChannelsLast,
  runWasm,
  type WasmBackend,
  zeros,
} from './wasm-heap.js';

interface Attrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

export function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { dy, filter } = inputs;
  requireChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (info.strideHeight > 1 || info.strideWidth > 1)
    return directStridedInputGrad(backend, dy, filter, info);
  const winograd = winogradInputGrad(backend, dy, filter, info);
  if (winograd) return winograd;
  const flipped = rotatedFilter(backend, filter);
  const padded = spreadGradient(backend, dy, info);
  const convAttrs = {
    strides: [1, 1] as [number, number],
    dilations: [info.dilationHeight, info.dilationWidth] as [number, number],
    pad: padded.pad,
    dataFormat: 'NHWC',
  };
  const out =
    nativeConv2d(backend, padded.x, flipped, convAttrs) ??
    runWasm('Conv2D', { x: padded.x, filter: flipped }, convAttrs, backend);
  release(backend, flipped);
  if (padded.x !== dy) release(backend, padded.x);
  return out;
}

/** W[kh,kw,ci,co] -> W'[KH-1-kh, KW-1-kw, co, ci]. */
export function rotatedFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = f32(backend, filter);
  const dst = f32(backend, out);
  const taps = kh * kw;
  for (let t = 0; t < taps; t++) {
    const s = t * ci * co;
    const d = (taps - 1 - t) * ci * co;
    for (let i = 0; i < ci; i++) {
      for (let o = 0; o < co; o++) dst[d + o * ci + i] = src[s + i * co + o];
    }
  }
  return out;
}

type Padding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Places dy so that a VALID-style correlation with the rotated filter yields dx: row oh of dy
 * lands on row (KHe-1-top) + oh*stride of a grid of H+KHe-1 rows. With stride 1 and no row
 * to drop this is pure padding, which XNNPACK does itself without a copy.
 */
function spreadGradient(
  backend: WasmBackend,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): { x: TensorInfo; pad: Padding } {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels } = info;
  const { effectiveFilterHeight: kh, effectiveFilterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const rowOffset = kh - 1 - info.padInfo.top;
  const colOffset = kw - 1 - info.padInfo.left;
  const gridHeight = inHeight + kh - 1;
  const gridWidth = inWidth + kw - 1;
  const padBottom = gridHeight - rowOffset - outHeight;
  const padRight = gridWidth - colOffset - outWidth;
  if (sh === 1 && sw === 1 && rowOffset >= 0 && colOffset >= 0 && padBottom >= 0 && padRight >= 0) {
    return {
      x: dy,
      pad: [
        [0, 0],
        [rowOffset, padBottom],
        [colOffset, padRight],
        [0, 0],
      ],
    };
  }
  const grid = zeros(backend, [batchSize, gridHeight, gridWidth, outChannels]);
  const src = f32(backend, dy);
  const dst = f32(backend, grid);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r = rowOffset + oh * sh;
      if (r < 0 || r >= gridHeight) continue;
      for (let ow = 0; ow < outWidth; ow++) {
        const c = colOffset + ow * sw;
        if (c < 0 || c >= gridWidth) continue;
        const s = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        dst.set(
          src.subarray(s, s + outChannels),
          ((n * gridHeight + r) * gridWidth + c) * outChannels,
        );
      }
    }
  }
  return {
    x: grid,
    pad: [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
  };
}
