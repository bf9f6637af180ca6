/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks (tfjs issue #8474).
 *
 * dW[kh,kw,ci,co] = sum over pixels p=(n,oh,ow) of x[n, oh*s-pad+kh*d, ow*s-pad+kw*d, ci] * dy[p,co]
 * is one matrix product once x is unfolded: cols[(kh,kw,ci), p] (native/kernels.c, from a
 * channels-first copy of x so that rows are contiguous copies) times dy[p, co], which is
 * already a [pixels, co] matrix in NHWC. The product runs on XNNPACK's fully-connected GEMM
 * and lands directly in the [kh, kw, ci, co] layout. Large batches are unfolded in chunks.
 *
 * That unfolded matrix (taps x channels rows, one column per output pixel) is most of the
 * kernel's memory traffic, so where relaxed SIMD runs, all but a first layer go to
 * tunebook's own packed GEMM, whose packing reads x directly (viaPackedGemm);
 * bench/engine-gemm.ts has the figures against XNNPACK.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import {
  type ConvAttrs,
  native,
  ptr,
  release,
  requireChannelsLast,
  reshape,
  runWasm,
  type WasmBackend,
} from './wasm-heap.js';

/** Upper bound on the unfolded matrix per chunk, in floats (64 MiB). */
const MAX_COLS_FLOATS = 16 * 1024 * 1024;
/** Below this many unfolded rows the direct kernel beats XNNPACK's GEMM. */
const FEW_ROWS = 32;

interface Attrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x, dy } = inputs;
  requireChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  // The packed GEMM beats im2col + XNNPACK with relaxed_madd; with mul+add it does not
  // clearly (bench/engine-gemm.ts), so the SIMD128 build keeps the XNNPACK path.
  return rows >= FEW_ROWS && native(backend).build === 'relaxed'
    ? viaPackedGemm(backend, x, dy, info, attrs.filterShape)
    : viaIm2col(backend, x, dy, info, attrs.filterShape);
}

/**
 * dW^T[co, rows] = dy^T x unfold(x) on tunebook's packed GEMM (native/kernels.c
 * conv_filter_grad), which packs the unfolded input straight from x: no channels-first
 * copy and no im2col matrix in memory, then one small transpose to [kh, kw, ci, co].
 */
export function viaPackedGemm(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  filterShape: [number, number, number, number],
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const rows = kh * kw * ci;
  const kernels = native(backend);
  const dwt = backend.makeOutput([co, rows], 'float32');
  const out = backend.makeOutput(filterShape, 'float32');
  kernels.conv_filter_grad(
    ptr(backend, x),
    ptr(backend, dy),
    ptr(backend, dwt),
    n,
    h,
    w,
    ci,
    kh,
    kw,
    oh,
    ow,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    co,
    kernels.gemmScratch,
  );
  kernels.transpose2d(ptr(backend, dwt), ptr(backend, out), co, rows);
  release(backend, dwt);
  return out;
}

/**
 * The unfolded input as a matrix (from a channels-first copy of x, in batch chunks) times
 * dy: on gemm_few_rows for few rows (a first layer: taps x 1-3 channels, where packing
 * would cost more than the arithmetic), else on XNNPACK's GEMM (kept for comparison in
 * bench/engine-gemm.ts).
 */
export function viaIm2col(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  filterShape: [number, number, number, number],
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const rows = kh * kw * ci;
  const pixels = oh * ow;
  const chunk = Math.max(1, Math.min(n, Math.floor(MAX_COLS_FLOATS / Math.max(1, rows * pixels))));

  const kernels = native(backend);
  const xt = backend.makeOutput([ci, n, h, w], 'float32');
  kernels.transpose2d(ptr(backend, x), ptr(backend, xt), n * h * w, ci);
  const dy2 = reshape(backend, dy, [1, n * pixels, co]);
  // Few unfolded rows (a first layer: taps x 1-3 channels) go to a direct kernel; XNNPACK
  // would spend more on packing dy as weights than on the arithmetic.
  const direct = rows < FEW_ROWS;
  let total: TensorInfo | null = null;
  if (direct) {
    total = backend.makeOutput([1, rows, co], 'float32');
    kernels.fill_zero(ptr(backend, total), rows * co);
  }
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const cols = backend.makeOutput([1, rows, nc * pixels], 'float32');
    kernels.im2col_t(
      ptr(backend, xt),
      ptr(backend, cols),
      ci,
      n,
      n0,
      nc,
      h,
      w,
      kh,
      kw,
      oh,
      ow,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
    if (direct) {
      const dyChunk = ptr(backend, dy) + n0 * pixels * co * 4;
      kernels.gemm_few_rows(
        ptr(backend, cols),
        dyChunk,
        ptr(backend, total!),
        rows,
        nc * pixels,
        co,
      );
      release(backend, cols);
      continue;
    }
    const dyPart =
      nc === n
        ? dy2
        : runWasm(
            'Slice',
            { x: dy2 },
            { begin: [0, n0 * pixels, 0], size: [1, nc * pixels, co] },
            backend,
          );
    const part = runWasm(
      'BatchMatMul',
      { a: cols, b: dyPart },
      { transposeA: false, transposeB: false },
      backend,
    );
    release(backend, cols);
    if (dyPart !== dy2) release(backend, dyPart);
    if (total === null) {
      total = part;
    } else {
      const sum = runWasm('Add', { a: total, b: part }, {}, backend);
      release(backend, total, part);
      total = sum;
    }
  }
  const out = reshape(backend, total!, filterShape);
  release(backend, xt, dy2, total!);
  return out;
}
