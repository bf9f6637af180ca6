/**
 * Convolutions on tunebook's direct kernels (native/kernels.c conv_direct and
 * conv_filter_grad_direct), which read the input in place: no unfolded matrix, no packing
 * of the input (with few channels, 16-32 in a ResNet's first stages, that cost as much as a
 * quarter of the arithmetic) and no padded copy (the forward kernel trims each pixel's filter
 * rows to the taps inside x; the filter gradient gathers what reaches into the padding, with
 * its zeros, into scratch, a block of pixels at a time). The forward kernel serves
 * Conv2D, FusedConv2D and the stride-1 input gradient (a convolution of dy with the rotated
 * filter); conv_input_grad_strided the input gradient with strides > 1; the filter gradient
 * lands in [kh, kw, ci, co] with no transpose. Both kernels hand 3 x 3 stride-1 layers with
 * 8 or more channels a side to Winograd (F(4x4, 3x3) or F(2x2, 3x3) forward, F(3x3, 4x4) or
 * F(3x3, 2x2) for the filter gradient, whichever takes fewer products; native/kernels.c
 * winograd_applies and wino_tile), and a 'valid' layer's input gradient runs transposed
 * Winograd on dy's tiles (winogradInputGrad). Winograd needs scratch and a packed filter of
 * its own sizes: the kernels say how much for a geometry, so the rules stay in one place.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelError } from '../../core/errors.js';
import type { ConvGeometry } from './native.js';
import { native, ptr, release, releaseScratch, scratch, type WasmBackend } from './wasm-heap.js';

const NR = 8;

export function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/**
 * y = conv(x, filter) (+ bias, relu) on the direct kernel; filter [kh, kw, ci, co]. It reads
 * x in place, output columns grouped by which filter columns fall inside x, so nothing is
 * gathered and the padding's zeros are not multiplied; the shared scratch (or a tensor of
 * its own when too long for it) holds a row of zeros and a block's segment pointers, or
 * Winograd's blocks of transformed tiles.
 */
export function directConv2d(
  backend: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  bias: TensorInfo | null,
  relu: boolean,
): TensorInfo {
  const kernels = native(backend);
  const co = info.outChannels;
  const geometry = convGeometry(info);
  // What the kernel's path needs (direct tiles, the few-tap padded copy, or Winograd's
  // blocks and transformed filter), as native/kernels.c works it out.
  const work = scratch(backend, kernels.conv_direct_scratch_floats(...geometry, co));
  const wpack = backend.makeOutput([kernels.conv_direct_wpack_floats(...geometry, co)], 'float32');
  const y = backend.makeOutput(info.outShape, 'float32');
  kernels.conv_direct(
    ptr(backend, x),
    ptr(backend, filter),
    bias ? ptr(backend, bias) : 0,
    ptr(backend, y),
    ...geometry,
    co,
    relu ? 1 : 0,
    ptr(backend, wpack),
    work.offset,
  );
  release(backend, wpack);
  releaseScratch(backend, work);
  return y;
}

/**
 * dW [kh, kw, ci, co] on the direct kernel, reading x in place. Its scratch holds the
 * unfolded rows' offsets and, per block of pixels, dy in panels and the gathered rows of
 * pixels that reach into the padding.
 */
export function directFilterGrad(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const kernels = native(backend);
  const geometry = convGeometry(info);
  const need = kernels.conv_filter_grad_scratch_floats(...geometry, info.outChannels);
  const work = scratch(backend, need);
  const out = backend.makeOutput(info.filterShape, 'float32');
  const declined = kernels.conv_filter_grad_direct(
    ptr(backend, x),
    ptr(backend, dy),
    ptr(backend, out),
    ...geometry,
    info.outChannels,
    work.offset,
    work.floats,
  );
  releaseScratch(backend, work);
  // Cannot happen: the scratch above is what the kernel asked for.
  if (declined) throw new KernelError('Conv2DBackpropFilter', `scratch of ${need} floats refused`);
  return out;
}

/**
 * dx [n, h, w, ci] of a convolution with strides > 1 on the direct kernel: each input pixel
 * sums dy over the taps that reach it, at the exact FLOP count (no zeros spread between
 * dy's pixels, no column matrix folded back).
 */
export function directStridedInputGrad(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const kernels = native(backend);
  const co = info.outChannels;
  const taps = info.filterHeight * info.filterWidth;
  const wpack = backend.makeOutput([taps * Math.ceil(info.inChannels / NR) * NR * co], 'float32');
  const zeros = scratch(backend, co);
  const dx = backend.makeOutput(info.inShape, 'float32');
  kernels.conv_input_grad_strided(
    ptr(backend, dy),
    ptr(backend, filter),
    ptr(backend, dx),
    ...convGeometry(info),
    co,
    ptr(backend, wpack),
    zeros.offset,
  );
  release(backend, wpack);
  releaseScratch(backend, zeros);
  return dx;
}

/**
 * dx [n, h, w, ci] of a stride-1 3 x 3 convolution by transposed Winograd
 * (native/kernels.c conv_input_grad_winograd), on dy's tiles rather than dx's; null where
 * the kernel declines (the layer does not qualify, or a value is not finite), for the
 * correlation with the rotated filter instead.
 */
export function winogradInputGrad(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | null {
  const kernels = native(backend);
  const geometry = convGeometry(info);
  const need = kernels.conv_input_grad_winograd_floats(...geometry, info.outChannels);
  if (need === 0) return null;
  const work = scratch(backend, need);
  const dx = backend.makeOutput(info.inShape, 'float32');
  const done = kernels.conv_input_grad_winograd(
    ptr(backend, dy),
    ptr(backend, filter),
    ptr(backend, dx),
    ...geometry,
    info.outChannels,
    work.offset,
  );
  releaseScratch(backend, work);
  if (done) return dx;
  release(backend, dx);
  return null;
}
