/**
 * Conv2D and FusedConv2D for wasm where relaxed SIMD runs: one GEMM per convolution on
 * tunebook's packed kernel (native/kernels.c conv_forward), whose packing reads the
 * unfolded input straight from NHWC x, with bias and relu applied while each block of
 * output rows is still in cache, for convolutions with many output channels (below, XNNPACK
 * is as fast). The stride-1 input gradient is such a convolution too
 * (conv2d-backprop-input.ts). Everything else (the SIMD128 build, NCHW, other activations,
 * filters too large for the packing scratch) goes to the backend's XNNPACK kernels.
 */
import { backend_util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { type ConvAttrs, native, ptr, runWasm, type WasmBackend } from './wasm-heap.js';

/**
 * Below this many output channels XNNPACK's convolution is as fast (bench/engine-gemm.ts:
 * 16 and 32 channels even, 64 channels 1.25x faster packed): with few channels each packed
 * pixel serves one or two register tiles, so packing costs as much as it saves.
 */
let minOutChannels = 64;

/** Sets that threshold (0: every convolution); tests use it to run the grids on the GEMM. */
export function setPackedConvMinChannels(channels: number): number {
  const previous = minOutChannels;
  minOutChannels = channels;
  return previous;
}

interface FusedAttrs extends ConvAttrs {
  activation?: string;
}

/**
 * y = conv(x, filter) (+ bias, relu) on the packed GEMM, or null when this build or these
 * operands are not for it.
 */
export function packedConv2d(
  backend: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: ConvAttrs,
  bias: TensorInfo | null = null,
  relu = false,
): TensorInfo | null {
  const kernels = native(backend);
  if (kernels.build !== 'relaxed') return null;
  if (
    attrs.dataFormat !== undefined &&
    attrs.dataFormat !== 'NHWC' &&
    attrs.dataFormat !== 'channelsLast'
  )
    return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const co = info.outChannels;
  if (co < minOutChannels) return null;
  if (bias && (bias.dtype !== 'float32' || bias.shape.reduce((p, d) => p * d, 1) !== co))
    return null;
  const y = backend.makeOutput(info.outShape, 'float32');
  const declined = kernels.conv_forward(
    ptr(backend, x),
    ptr(backend, filter),
    bias ? ptr(backend, bias) : 0,
    ptr(backend, y),
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
    co,
    relu ? 1 : 0,
    kernels.gemmScratch,
  );
  if (declined) {
    backend.disposeData(y.dataId);
    return null;
  }
  return y;
}

export function conv2d(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  attrs: ConvAttrs & NamedAttrMap;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  return (
    packedConv2d(backend, inputs.x, inputs.filter, attrs) ??
    runWasm('Conv2D', inputs, attrs, backend)
  );
}

export function fusedConv2d(args: {
  inputs: {
    x: TensorInfo;
    filter: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  attrs: FusedAttrs & NamedAttrMap;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const activation = attrs.activation ?? 'linear';
  const simple =
    (activation === 'linear' || activation === 'relu') && !inputs.preluActivationWeights;
  const out = simple
    ? packedConv2d(
        backend,
        inputs.x,
        inputs.filter,
        attrs,
        inputs.bias ?? null,
        activation === 'relu',
      )
    : null;
  if (out) return out;
  const passed: Record<string, TensorInfo> = {};
  for (const [k, v] of Object.entries(inputs)) if (v) passed[k] = v;
  return runWasm('FusedConv2D', passed, attrs, backend);
}
