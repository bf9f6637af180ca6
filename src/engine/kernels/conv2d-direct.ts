/**
 * Convolutions on tunebook's direct kernels (native/kernels.c conv_direct and
 * conv_filter_grad_direct), on a zero-padded copy of the input: no unfolded matrix and no
 * packing of the input, which with few channels (16-32, a ResNet's first stages) cost as
 * much as a quarter of the arithmetic. The forward kernel serves Conv2D, FusedConv2D and
 * the stride-1 input gradient (a convolution of dy with the rotated filter); the filter
 * gradient lands in [kh, kw, ci, co] with no transpose.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelError } from '../../core/errors.js';
import type { PaddedConvGeometry } from './native.js';
import { native, ptr, release, type WasmBackend } from './wasm-heap.js';

const NR = 8;

/** The input zero-padded as the convolution reads it, and the geometry on it. */
interface Padded {
  xp: TensorInfo;
  /** Whether xp is a new tensor (to release) rather than x itself. */
  owned: boolean;
  geometry: PaddedConvGeometry;
}

/**
 * x [n, h, w, c] padded by the convolution's top/left padding and by as much bottom/right
 * as its last output pixel reads (tfjs's padding, or more where rounding reads past it).
 */
function padded(backend: WasmBackend, x: TensorInfo, info: backend_util.Conv2DInfo): Padded {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const { top, left, bottom, right } = info.padInfo;
  const reachH = (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight;
  const reachW = (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth;
  const hp = Math.max(h + top + bottom, reachH);
  const wp = Math.max(w + left + right, reachW);
  const geometry: PaddedConvGeometry = [
    n,
    hp,
    wp,
    c,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
  ];
  if (hp === h && wp === w && top === 0 && left === 0) return { xp: x, owned: false, geometry };
  const xp = backend.makeOutput([n, hp, wp, c], 'float32');
  native(backend).pad_nhwc(ptr(backend, x), ptr(backend, xp), n, h, w, c, hp, wp, top, left);
  return { xp, owned: true, geometry };
}

/** y = conv(x, filter) (+ bias, relu) on the direct kernel; filter [kh, kw, ci, co]. */
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
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const input = padded(backend, x, info);
  const wpack = backend.makeOutput([rows * Math.ceil(co / NR) * NR], 'float32');
  const y = backend.makeOutput(info.outShape, 'float32');
  kernels.conv_direct(
    ptr(backend, input.xp),
    ptr(backend, filter),
    bias ? ptr(backend, bias) : 0,
    ptr(backend, y),
    ...input.geometry,
    co,
    relu ? 1 : 0,
    ptr(backend, wpack),
  );
  release(backend, wpack);
  if (input.owned) release(backend, input.xp);
  return y;
}

/** Pixels per block that the filter gradient's dy panels are sized for. */
const FILTER_GRAD_BLOCK = 256;

/**
 * dW [kh, kw, ci, co] on the direct kernel. Its scratch (the unfolded rows' offsets and a
 * block of dy in panels) is the GEMM's shared block, or a tensor of its own for the rare
 * layer with so many output channels that the shared block holds too few pixels.
 */
export function directFilterGrad(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const kernels = native(backend);
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const need = Math.ceil(rows / 4) * 4 + Math.ceil(info.outChannels / NR) * NR * FILTER_GRAD_BLOCK;
  const shared = kernels.gemm_scratch_floats();
  const own = need > shared ? backend.makeOutput([need], 'float32') : null;
  const input = padded(backend, x, info);
  const out = backend.makeOutput(info.filterShape, 'float32');
  const declined = kernels.conv_filter_grad_direct(
    ptr(backend, input.xp),
    ptr(backend, dy),
    ptr(backend, out),
    ...input.geometry,
    info.outChannels,
    own ? ptr(backend, own) : kernels.gemmScratch,
    own ? need : shared,
  );
  if (input.owned) release(backend, input.xp);
  if (own) release(backend, own);
  // Cannot happen: the scratch above holds a block of FILTER_GRAD_BLOCK pixels.
  if (declined) throw new KernelError('Conv2DBackpropFilter', `scratch of ${need} floats refused`);
  return out;
}
