/**
 * Conv2D and FusedConv2D for wasm on tunebook's direct convolution (conv2d-direct.ts): in
 * both kernel builds it beats the backend's XNNPACK convolution on every layer of the
 * bench's ResNet (bench/engine-kernels.ts), and it pads correctly where XNNPACK's does not
 * (numeric padding, 'same' with unequal strides > 1: docs/design.md). The stride-1 input
 * gradient is such a convolution too (conv2d-backprop-input.ts). NCHW data, other dtypes
 * and activations other than linear and relu go to the backend's own kernels.
 */
import { backend_util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { directConv2d } from './conv2d-direct.js';
import { type ConvAttrs, runWasm, type WasmBackend } from './wasm-heap.js';

/**
 * FusedConv2D limited to linear and relu, bias optional, under a name of tunebook's own so
 * that it can carry a registered gradient (engine/conv-layer.ts): tfjs's fused op
 * differentiates through a custom gradient that computes every input's gradient.
 */
export const CONV2D_FUSED = 'TunebookConv2D';

interface FusedAttrs extends ConvAttrs {
  activation?: string;
}

/**
 * y = conv(x, filter) (+ bias, relu) on the direct kernel, or null when these operands are
 * not for it (NCHW, not float32, a bias that is not one value per output channel).
 */
export function nativeConv2d(
  backend: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: ConvAttrs,
  bias: TensorInfo | null = null,
  relu = false,
): TensorInfo | null {
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
  if (bias && (bias.dtype !== 'float32' || bias.shape.reduce((p, d) => p * d, 1) !== co))
    return null;
  return directConv2d(backend, x, filter, info, bias, relu);
}

export function conv2d(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  attrs: ConvAttrs & NamedAttrMap;
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  return (
    nativeConv2d(backend, inputs.x, inputs.filter, attrs) ??
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
    ? nativeConv2d(
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
